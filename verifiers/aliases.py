"""Cross-lingual alias table: names of places, groups, people and events -> concept ids.

"ISIS withdrew from Deir ez-Zor" and "انسحب تنظيم داعش من دير الزور" share the concept ids
§isis, §withdraw and §deir_ezzor, which the index adds to passages and queries, and which
conflicts.py uses to see who did what where.

The table is data (verifiers/data/aliases.toml; its header documents the format). Moderators
extend it with their own TOML file of the same format: `load_aliases(extra_path)` and
`add_alias(path, concept, names)`.

Matching is on folded tokens (Arabic letter variants and diacritics folded, English lower-cased),
through a dict of first token -> alias sequences, so a million passages pass through quickly.
This module keeps its own fold instead of verifiers.normalize: it must see the original case to
keep "IS" (the group) apart from "is" (the verb), and it must not stem (النصرة is not نصر).
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storage.files import atomic_write
from verifiers.normalize import DIGITS

DEFAULT_PATH = Path(__file__).parent / "data" / "aliases.toml"
KINDS = ("place", "group", "person", "event")
PREFIX = "§"
_CONCEPT_RE = re.compile(r"^[a-z0-9_]+$")

# --- folding -----------------------------------------------------------------------------------
_FOLD = {ord(a): b for a, b in {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ـ": None,  # tatweel (kashida) from justified PDFs
}.items()}
_FOLD.update({c: None for c in range(0x064B, 0x0653)})  # short vowels, shadda, sukun
_FOLD.update({0x0670: None})  # dagger alef
_FOLD.update(DIGITS)  # Arabic-Indic and Persian digits
_TOKEN_RE = re.compile(r"[^\W_]+")
_ARABIC_RE = re.compile(r"[\u0600-\u06FF]")

# Clitics accepted on an alias's first word, longest first. After a prefix ending in ال (or لل)
# the bare word is tried with ال put back, so "بالرقة" finds "الرقة".
_CLITICS = sorted(
    ["و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "ال", "وال", "فال", "بال", "كال", "لل",
     "ولل", "فلل", "وبال", "فبال", "وكال"],
    key=len, reverse=True,
)


def fold(text: str) -> str:
    """Arabic letter variants and diacritics folded; case kept (see module docstring)."""
    return text.translate(_FOLD)


def _short_caps(token: str) -> bool:
    """'IS', 'US', 'FSA': capitals-only names of 3 letters or fewer match only in capitals."""
    return len(token) <= 3 and token.isascii() and token.isupper()


def _variants(token: str) -> Iterator[str]:
    """The token, then its forms without a leading Arabic clitic."""
    yield token
    if not _ARABIC_RE.match(token):
        return
    for clitic in _CLITICS:
        if token.startswith(clitic) and len(token) - len(clitic) >= 2:
            bare = token[len(clitic):]
            yield bare
            if clitic.endswith("ال") or clitic.endswith("لل"):
                yield "ال" + bare


# --- the table ---------------------------------------------------------------------------------
@dataclass
class Concept:
    id: str  # without the § prefix
    kind: str
    names: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    opposes: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return PREFIX + self.id

    def label(self) -> str:
        """A display name: the first Arabic name, with the first English one beside it."""
        ar = next((n for n in self.names if _ARABIC_RE.search(n)), "")
        en = next((n for n in self.names if not _ARABIC_RE.search(n)), "")
        if ar and en:
            return f"{ar} ({en})"
        return ar or en or self.id


@dataclass
class Mention:
    concept: str  # id without §
    kind: str
    surface: str  # the words as they stand in the text
    start: int = 0  # token positions, for "which actor goes with which event"
    end: int = 0


class AliasTable:
    def __init__(self, concepts: dict[str, Concept]):
        self.concepts = concepts
        # first folded token -> list of (rest of the alias's tokens, concept ids), longest first
        self._index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        self._expand: dict[str, tuple[str, ...]] = {}
        self._cache: dict[str, tuple[str, ...]] = {}
        self._build()

    # building
    def _build(self) -> None:
        entries: dict[tuple[str, ...], list[str]] = {}
        for concept in self.concepts.values():
            for name in concept.names:
                key = _alias_key(name)
                if key:
                    ids = entries.setdefault(key, [])
                    if concept.id not in ids:
                        ids.append(concept.id)
        for key, ids in entries.items():
            self._index.setdefault(key[0], []).append((key[1:], tuple(ids)))
        for seqs in self._index.values():
            seqs.sort(key=lambda entry: len(entry[0]), reverse=True)
        for cid in self.concepts:
            self._expand[cid] = tuple(self._with_broader(cid))

    def _with_broader(self, cid: str) -> list[str]:
        seen, todo = [], [cid]
        while todo:
            current = todo.pop(0)
            if current in seen or current not in self.concepts:
                continue
            seen.append(current)
            todo.extend(self.concepts[current].broader)
        return seen

    # matching
    def _keys(self, token: str) -> tuple[str, ...]:
        """The index keys this (original-case) token can stand for, cached: words repeat a lot."""
        keys = self._cache.get(token)
        if keys is None:
            lowered = token.lower()
            found = [k for k in _variants(lowered) if k in self._index]
            if _short_caps(token) and "=" + token in self._index:
                found.insert(0, "=" + token)
            keys = tuple(dict.fromkeys(found))
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[token] = keys
        return keys

    def _scan(self, tokens: list[str]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
        """(start, end, concept ids) of each alias found, longest match first, left to right."""
        i, n = 0, len(tokens)
        index, keys_of = self._index, self._keys
        lowered: list[str] | None = None
        while i < n:
            keys = keys_of(tokens[i])
            if not keys:
                i += 1
                continue
            if lowered is None:
                lowered = [t.lower() for t in tokens]
            best_len, best_ids = 0, tuple[str, ...]()
            for key in keys:
                for rest, ids in index[key]:
                    length = 1 + len(rest)
                    if length <= best_len:
                        break  # sorted longest first
                    if not rest or tuple(lowered[i + 1:i + length]) == rest:
                        best_len, best_ids = length, ids
                        break
            if best_len:
                yield i, i + best_len, best_ids
                i += best_len
            else:
                i += 1

    def concept_tokens(self, text: str) -> list[str]:
        """Concept ids ("§deir_ezzor") of every mention, in text order, broader concepts after each."""
        out: list[str] = []
        expand = self._expand
        for _, _, ids in self._scan(_TOKEN_RE.findall(fold(text))):
            for cid in ids:
                out.extend(PREFIX + c for c in expand[cid])
        return out

    def mentions(self, text: str) -> list[Mention]:
        """Each mention with its surface words as written, for reasons a user can check."""
        kept = [i for i, ch in enumerate(text) if ch.translate(_FOLD)]  # fold only deletes or maps 1:1
        folded = fold(text)
        spans = list(_TOKEN_RE.finditer(folded))
        out = []
        for start, end, ids in self._scan([m.group() for m in spans]):
            surface = text[kept[spans[start].start()]:kept[spans[end - 1].end() - 1] + 1]
            for cid in ids:
                for c in self._expand[cid]:
                    out.append(Mention(c, self.concepts[c].kind, surface, start, end))
        return out

    def kind_of(self, concept: str) -> str | None:
        c = self.concepts.get(concept.removeprefix(PREFIX))
        return c.kind if c else None

    def opposes(self, a: str, b: str) -> bool:
        a, b = a.removeprefix(PREFIX), b.removeprefix(PREFIX)
        ca, cb = self.concepts.get(a), self.concepts.get(b)
        return bool((ca and b in ca.opposes) or (cb and a in cb.opposes))

    def label(self, concept: str) -> str:
        c = self.concepts.get(concept.removeprefix(PREFIX))
        return c.label() if c else concept


def _alias_key(name: str) -> tuple[str, ...]:
    tokens = _TOKEN_RE.findall(fold(name))
    if len(tokens) == 1 and _short_caps(tokens[0]):
        return ("=" + tokens[0],)
    return tuple(t.lower() for t in tokens)


# --- loading -----------------------------------------------------------------------------------
def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"alias file {path} is not valid TOML: {exc}") from None


def _merge(concepts: dict[str, Concept], data: dict, origin: Path) -> None:
    for cid, entry in data.items():
        if not isinstance(entry, dict) or not _CONCEPT_RE.match(cid):
            raise ValueError(f"alias file {origin}: [{cid}] is not a concept table (ids are a-z, 0-9, _)")
        names = _str_list(entry.get("names", []), origin, cid, "names")
        broader = _str_list(entry.get("broader", []), origin, cid, "broader")
        opposes = _str_list(entry.get("opposes", []), origin, cid, "opposes")
        if cid in concepts:
            c = concepts[cid]
            c.names += [n for n in names if n not in c.names]
            c.broader += [b for b in broader if b not in c.broader]
            c.opposes += [o for o in opposes if o not in c.opposes]
            continue
        kind = entry.get("kind")
        if kind not in KINDS:
            raise ValueError(f"alias file {origin}: [{cid}] needs kind = one of {', '.join(KINDS)}")
        concepts[cid] = Concept(cid, kind, names, broader, opposes)


def _str_list(value, origin: Path, cid: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"alias file {origin}: [{cid}] {key} must be a list of strings")
    return list(value)


_default: AliasTable | None = None  # the table of the module-level functions below (stance, conflicts)


def read_aliases(extra_path: str | os.PathLike | None = None) -> AliasTable:
    """The shipped table, extended by a moderator's file when given (changes no default)."""
    concepts: dict[str, Concept] = {}
    _merge(concepts, _read_toml(DEFAULT_PATH), DEFAULT_PATH)
    if extra_path is not None and Path(extra_path).exists():
        _merge(concepts, _read_toml(Path(extra_path)), Path(extra_path))
    return AliasTable(concepts)


def load_aliases(extra_path: str | os.PathLike | None = None) -> AliasTable:
    """read_aliases, and make it the table of the module-level functions
    (`concept_tokens`, `mentions`, `table`). The Verifier takes its table
    explicitly (Verifier(store, aliases=…))."""
    global _default
    _default = read_aliases(extra_path)
    return _default


def table() -> AliasTable:
    return _default if _default is not None else load_aliases()


def concept_tokens(text: str) -> list[str]:
    """Language-independent concept ids found in Arabic or English text, e.g. ["§isis", "§deir_ezzor"]."""
    return table().concept_tokens(text)


def mentions(text: str) -> list[Mention]:
    return table().mentions(text)


# --- moderators' additions ---------------------------------------------------------------------
_HEADER = (
    "# Isnad: this archive's own aliases, added by moderators (`isnad alias add`).\n"
    "# Same format as verifiers/data/aliases.toml: [concept] with kind and names; a known concept gains names.\n"
)


def add_alias(path: str | os.PathLike, concept: str, names: Iterable[str], kind: str | None = None) -> None:
    """Add names for a concept to a moderator's alias file, atomically.

    A concept new to both the shipped table and the file needs a kind (place, group, person, event).
    The file is only replaced once the new text parses, so a crash never leaves it half written.
    """
    path = Path(path)
    concept = concept.strip().removeprefix(PREFIX).lower()
    names = [n.strip() for n in names if n and n.strip()]
    if not _CONCEPT_RE.match(concept):
        raise ValueError(f"concept id {concept!r}: use a-z, 0-9 and _ only")
    if not names:
        raise ValueError("give at least one name")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    data = tomllib.loads(text) if text.strip() else {}
    shipped = _read_toml(DEFAULT_PATH)
    if concept not in data and concept not in shipped and kind is None:
        raise ValueError(f"{concept} is a new concept: give its kind ({', '.join(KINDS)})")
    if concept in data:
        entry = data[concept]
        entry["names"] = list(entry.get("names", [])) + [n for n in names if n not in entry.get("names", [])]
        if kind and "kind" not in entry:
            entry["kind"] = kind
        text = _HEADER + "".join(_table_text(cid, e) for cid, e in data.items())
    else:
        entry = {"names": names}
        if kind or concept not in shipped:
            entry["kind"] = kind
        text = text.rstrip("\n") + "\n" + _table_text(concept, entry)
    tomllib.loads(text)  # never write a file we could not read back
    atomic_write(path, text)


def _table_text(concept: str, entry: dict) -> str:
    lines = [f"\n[{concept}]"]
    for key in ("kind", "names", "broader", "opposes"):
        if key in entry:
            value = entry[key]
            if isinstance(value, list):
                value = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
            else:
                value = json.dumps(value, ensure_ascii=False)
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


