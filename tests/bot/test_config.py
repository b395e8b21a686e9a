"""bot/config.py: the example file loads, typos are errors, the token stays secret."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_the_example_config_loads_with_its_documented_defaults():
    config = load_config(EXAMPLE, env={})
    assert config.discord.mention_enabled is False
    assert config.digest.timezone == "UTC"
    assert config.matching.threshold is None
    # saved web pages and PDFs are accepted as attachments, in the example and by default
    assert {"txt", "jsonl", "html", "htm", "pdf"} <= set(config.discord.attachment_types)
    assert load_config(None, env={}).discord.attachment_types == config.discord.attachment_types
    assert config.pace == load_config(None, env={}).pace  # the example documents the defaults
    assert (config.pace.member_per_minute, config.pace.member_burst) == (6.0, 5)
    assert config.digest.query_retention_days == 30 and config.digest.channels == ()


def test_the_old_cooldown_key_points_to_the_pace_section(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[discord]\ncooldown_seconds = 10\n")
    with pytest.raises(ConfigError, match=r"\[pace\]"):
        load_config(path, env={})


def test_unknown_keys_and_sections_are_clear_errors(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[discord]\ncooldown_secs = 3\n")
    with pytest.raises(ConfigError, match="unknown key 'cooldown_secs'"):
        load_config(path, env={})
    path.write_text("[discrod]\n")
    with pytest.raises(ConfigError, match=r"unknown section \[discrod\]"):
        load_config(path, env={})
    path.write_text("[digest]\ntimezone = \"Mars/Olympus\"\n")
    with pytest.raises(ConfigError, match="not an IANA zone"):
        load_config(path, env={})


def test_token_from_env_or_file_never_shows_in_repr_or_logs(tmp_path, caplog):
    token_file = tmp_path / "token.txt"
    token_file.write_text("file-secret-123\n")
    path = tmp_path / "c.toml"
    path.write_text('[discord]\ntoken_file = "token.txt"\n')
    config = load_config(path, env={})
    assert config.token.reveal() == "file-secret-123"
    assert "file-secret-123" not in repr(config)
    assert load_config(path, env={"ISNAD_DISCORD_TOKEN": "env-secret"}).token.reveal() == "env-secret"
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("config is %s", config)
    assert "file-secret-123" not in caplog.text


def test_env_names_the_archive_before_the_config_file(tmp_path):
    from bot.app.archive import resolve_archive

    path = tmp_path / "config.toml"
    path.write_text('[storage]\npath = "file.json"\nurl = "postgresql://isnad@db/isnad"\n', encoding="utf-8")
    config = load_config(path, env={"ISNAD_DB": str(tmp_path / "a.json")})
    assert resolve_archive(config) == str(tmp_path / "a.json")  # $ISNAD_DB over storage.url and storage.path
    assert resolve_archive(config, "cli.json") == "cli.json"  # --db over everything
    plain = load_config(path, env={})
    assert resolve_archive(plain) == "postgresql://isnad@db/isnad"  # storage.url over storage.path
    assert resolve_archive(load_config(None, env={})) is None  # the default archive


def test_fetch_section_is_the_fetchers_own_settings_with_one_set_of_defaults(tmp_path):
    from storage.fetch import FetchSettings

    assert load_config(None, env={}).fetch_settings() == FetchSettings()
    path = tmp_path / "config.toml"
    path.write_text("[fetch]\nmax_bytes = 1000\nbackoff = 0.5\n[matching]\nworkers = 1\n", encoding="utf-8")
    config = load_config(path, env={})
    assert config.fetch_settings().max_bytes == 1000 and config.fetch_settings().backoff == 0.5
    assert config.matching.workers == 1
    path.write_text("[matching]\nworkers = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="workers"):
        load_config(path, env={})
