"""The bot's configuration: one typed place, loaded from a TOML file.

The file format is documented key by key in config.example.toml. Environment
variables override the file: ISNAD_DB (the archive; bot.app.archive decides
the order with --db and [storage]), ISNAD_DISCORD_TOKEN and
ISNAD_TOKEN_FILE (where the token lives when it is not in the environment).
The token is wrapped in `Secret` so it never shows up in a repr or a log line.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.fetch import FetchSettings


class ConfigError(ValueError):
    """The configuration cannot be used. The message says which key and why."""


class Secret:
    """A string that hides itself from repr(), str() and f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class StorageConfig:
    path: str = ""  # "" = the default archive in the user's data directory
    url: str = ""  # postgresql://… : a shared archive; takes precedence over path


@dataclass(frozen=True)
class MatchingConfig:
    threshold: float | None = None  # None = the engine's default
    limit: int = 10
    workers: int = 0  # processes for index builds and big batches; 0 = up to 2 (the CPUs there are)
    aliases_file: str = ""  # moderators' additions to the alias table; "" = aliases.toml in the data dir


@dataclass(frozen=True)
class DiscordConfig:
    guild_ids: tuple[int, ...] = ()
    moderator_role_ids: tuple[int, ...] = ()
    mention_enabled: bool = False
    mention_channel_ids: tuple[int, ...] = ()
    max_claim_length: int = 1000
    attachment_max_bytes: int = 2_000_000
    attachment_types: tuple[str, ...] = ("txt", "jsonl", "html", "htm", "pdf")
    default_locale: str = "en"
    token_file: str = ""


@dataclass(frozen=True)
class PaceConfig:
    """Pace limits for chat front ends (bot.app.policy.PaceLimit); 0 per minute = no limit."""

    member_per_minute: float = 6.0
    member_burst: int = 5
    server_per_minute: float = 30.0
    server_burst: int = 10
    max_wait_seconds: float = 600.0


@dataclass(frozen=True)
class DigestConfig:
    timezone: str = "UTC"
    misfire_grace_hours: float = 6.0
    max_claims: int = 15
    # Channels whose claims digests may list; empty = the digest channel's own category.
    channels: tuple[int, ...] = ()
    query_retention_days: float = 30.0  # asked claims are forgotten after this; 0 = kept


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    file: str = ""  # "" = stderr only


@dataclass(frozen=True)
class OcrConfig:
    """Claims as screenshots (verifiers/ocr.py, storage/images.py)."""

    tessdata: str = ""  # Tesseract's model folder; "" = $TESSDATA_PREFIX, then the distribution's places
    languages: str = "ara+eng"
    max_bytes: int = 10_000_000  # largest image read
    max_pixels: int = 40_000_000  # largest image read, in pixels (checked before decoding)

    def settings(self) -> OcrSettings:
        from verifiers.ocr import OcrSettings

        return OcrSettings(tessdata=self.tessdata, languages=self.languages)


if TYPE_CHECKING:
    from verifiers.ocr import OcrSettings


@dataclass(frozen=True)
class Config:
    storage: StorageConfig = field(default_factory=StorageConfig)
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    pace: PaceConfig = field(default_factory=PaceConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    fetch: FetchSettings = field(default_factory=FetchSettings)  # [fetch] is storage.fetch's own settings
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    token: Secret = field(default_factory=lambda: Secret(""), compare=False)
    db_env: str = ""  # $ISNAD_DB: the archive, before [storage] (bot.app.archive.resolve_archive)
    source: str = ""  # the file it was read from, for messages

    def aliases_path(self) -> Path:
        """The moderators' additions to the alias table (the CLI and the bot share it:
        the saved index is built with them, so both must load the same file)."""
        from platformdirs import user_data_dir

        configured = self.matching.aliases_file
        return Path(configured).expanduser() if configured else Path(user_data_dir("isnad")) / "aliases.toml"

    def fetch_settings(self) -> FetchSettings:
        return self.fetch


_SECTIONS: dict[str, type] = {
    "storage": StorageConfig,
    "matching": MatchingConfig,
    "discord": DiscordConfig,
    "pace": PaceConfig,
    "digest": DigestConfig,
    "fetch": FetchSettings,
    "logging": LoggingConfig,
    "ocr": OcrConfig,
}

_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read `path` (or defaults only, when None), apply env overrides, validate."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    where = str(path) if path else "defaults"
    sections = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise ConfigError(f"{where}: unknown section [{name}] (known: {', '.join(_SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table")
        sections[name] = _build(_SECTIONS[name], value, f"{where}: [{name}]")
    config = Config(**sections, source=where)
    config = _apply_env(config, env, base=Path(path).parent if path else Path.cwd())
    _validate(config, where)
    return config


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    kwargs = {}
    for key, value in values.items():
        if cls is DiscordConfig and key == "cooldown_seconds":
            raise ConfigError(f"{where}: cooldown_seconds is replaced by the [pace] section "
                              "(member_per_minute, member_burst; claims over it are queued)")
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        kwargs[key] = _coerce(value, hints[key], f"{where} {key}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin is tuple:
        item = get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list")
        return tuple(_coerce(v, item, where) for v in value)
    args = [a for a in get_args(hint) if a is not type(None)]
    if args and len(args) < len(get_args(hint)):  # Optional[X]
        return _coerce(value, args[0], where)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        # Discord ids are often written as strings to survive JSON tools; accept both.
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _apply_env(config: Config, env: Mapping[str, str], *, base: Path) -> Config:
    from dataclasses import replace

    config = replace(config, db_env=env.get("ISNAD_DB", "").strip())
    token = env.get("ISNAD_DISCORD_TOKEN", "").strip()
    if not token:
        token_file = env.get("ISNAD_TOKEN_FILE") or config.discord.token_file
        if token_file:
            file = Path(token_file).expanduser()
            file = file if file.is_absolute() else base / file
            try:
                token = file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"cannot read the token file {file}: {exc.strerror}") from None
    return replace(config, token=Secret(token))


def _validate(config: Config, where: str) -> None:
    d = config.discord
    p = config.pace
    for key in ("member_per_minute", "server_per_minute", "max_wait_seconds"):
        if getattr(p, key) < 0:
            raise ConfigError(f"{where}: [pace] {key} must be 0 or more")
    if p.member_burst < 1 or p.server_burst < 1:
        raise ConfigError(f"{where}: [pace] member_burst and server_burst must be at least 1")
    if d.max_claim_length < 10:
        raise ConfigError(f"{where}: [discord] max_claim_length must be at least 10")
    if d.attachment_max_bytes <= 0:
        raise ConfigError(f"{where}: [discord] attachment_max_bytes must be positive")
    if d.default_locale not in ("en", "ar"):
        raise ConfigError(f"{where}: [discord] default_locale must be \"en\" or \"ar\"")
    for kind in d.attachment_types:
        if not re.fullmatch(r"[a-z0-9]+", kind):
            raise ConfigError(f"{where}: [discord] attachment_types: {kind!r} is not a file extension like \"txt\"")
    if config.matching.workers < 0:
        raise ConfigError(f"{where}: [matching] workers must be 0 (automatic) or more")
    if config.matching.limit < 1:
        raise ConfigError(f"{where}: [matching] limit must be at least 1")
    threshold = config.matching.threshold
    if threshold is not None and not 0 <= threshold <= 100:
        raise ConfigError(f"{where}: [matching] threshold must be between 0 and 100")
    try:
        ZoneInfo(config.digest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: [digest] timezone {config.digest.timezone!r} "
                          "is not an IANA zone like \"Asia/Damascus\"") from None
    if config.digest.query_retention_days < 0:
        raise ConfigError(f"{where}: [digest] query_retention_days must be 0 or more")
    if config.logging.level.upper() not in _LEVELS:
        raise ConfigError(f"{where}: [logging] level must be one of {', '.join(sorted(_LEVELS))}")
    if config.ocr.max_bytes <= 0 or config.ocr.max_pixels <= 0:
        raise ConfigError(f"{where}: [ocr] max_bytes and max_pixels must be positive")
