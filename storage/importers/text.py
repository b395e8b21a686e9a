"""Plain-text articles (as pasted, or extracted from a PDF) -> Source.

The shape expected, loosely:

    Title, one or more lines
    <blank>
    date and byline line(s)   ("10 فبراير 2014 | كتبه نون بوست", "By X", ...)
    <blank>
    paragraphs, with embedded tweets: the tweet's text, then its
    "— Name (@handle) Month D, YYYY" attribution line (possibly scrambled)

PDF artifacts are repaired first (storage/repair.py). Blank lines are not
trusted as paragraph ends, because PDF extraction scatters them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from storage.dates import parse_date, parse_month, tweet_id_date
from storage.language import detect_language
from storage.passages import split_sentences
from storage.posts import (
    Attribution,
    extract_hashtags,
    extract_urls,
    parse_attribution,
    parse_status_url,
)
from storage.records import UNKNOWN_DATE, PartialDate, Passage, Post, Source
from storage.repair import URL_RE, attach_punctuation, repair_text

_BYLINE = re.compile(
    r"^(?:كتبه|كتبته|كتب|بقلم|بواسطة|إعداد|اعداد|written by|words by|by)\s*[:：]?\s+(?P<name>.+)$",
    re.IGNORECASE,
)
_HEADER_SEPARATORS = re.compile(r"\s*[|•·]\s*")
_SENTENCE_END = re.compile(r"[.!?؟…:]$")
# A sentence ends after . ! ? ؟ (or "..") followed by space; not after a lone
# capital ("U.S.", "J. Smith") or a one-letter Arabic abbreviation ("د .").
MAX_HEADER_LINE = 120
MAX_HEADER_LINES = 3
MAX_POST_CHARS = 600  # a tweet is at most 280 characters; leave room for URLs
MAX_TITLE_CHARS = 300


@dataclass
class _Line:
    index: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Header:
    publisher: str = ""
    author: str = ""
    date: PartialDate | None = None
    month: int | None = None  # a month whose year was lost
    damaged_date: bool = False  # a date line whose digits were lost


@dataclass
class _PostDraft:
    attribution: Attribution
    lines: list[str] = field(default_factory=list)


# --- blocks --------------------------------------------------------------


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.blank:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _block_text(block: list[_Line]) -> str:
    return " ".join(line.text.strip() for line in block)


def _is_link_or_tag_only(text: str) -> bool:
    """A line or block of only URLs and hashtags (and maybe one stray short
    word), which PDF extraction detaches from a tweet's text."""
    words = [w for w in text.split() if not (w.startswith("#") or URL_RE.match(w))]
    return len(words) <= 1 and all(len(w.strip("!؟?.،,")) <= 3 for w in words)


# --- title and header --------------------------------------------------------


def _take_title(blocks: list[list[_Line]]) -> tuple[str, int]:
    """The title (first block, lines joined) and how many blocks it used."""
    if not blocks:
        return "", 0
    first = blocks[0]
    if parse_attribution(first[0].text) or len(_block_text(first)) > MAX_TITLE_CHARS:
        return "", 0
    if all(_is_byline_or_dateline(line.text) for line in first):
        return "", 0  # the article starts with its header: no title
    return _block_text(first), 1


def _is_byline_or_dateline(text: str) -> bool:
    """Clearly a header line, not a title that happens to name a year."""
    text = text.strip()
    if not _is_header_line(text):
        return False
    date = parse_date(text)
    has_day = date is not None and date.day is not None
    return "|" in text or bool(_BYLINE.match(text.strip(" ,،"))) or has_day


def _header_segment(segment: str, header: _Header) -> None:
    segment = segment.strip(" ,،-—")
    if not segment:
        return
    byline = _BYLINE.match(segment)
    if byline:
        header.author = byline.group("name").strip()
        return
    date = parse_date(segment)
    if date is not None and date.known:
        header.date = date
        return
    month = parse_month(segment)
    if month is not None:
        header.month = month
        return
    header.publisher = header.publisher or segment


def _is_header_line(text: str) -> bool:
    text = text.strip()
    if len(text) > MAX_HEADER_LINE or parse_attribution(text):
        return False
    if "|" in text or _BYLINE.match(text.strip(" ,،")):
        return True
    return parse_date(text) is not None or parse_month(text) is not None


def _lost_its_digits(text: str) -> bool:
    """", فبراير |" or ", |": a date line whose numbers the PDF dropped,
    seen as a leading comma or an empty segment, with no digit left."""
    if re.search(r"\d", text):
        return False
    segments = [seg.strip() for seg in _HEADER_SEPARATORS.split(text)]
    return text.startswith((",", "،")) or (len(segments) > 1 and "" in segments)


def _parse_header(lines: list[_Line]) -> _Header:
    header = _Header()
    for line in lines:
        text = line.text.strip()
        header.damaged_date |= _lost_its_digits(text)
        for segment in _HEADER_SEPARATORS.split(text):
            _header_segment(segment, header)
    return header


def _take_header(blocks: list[list[_Line]]) -> tuple[list[_Line], int]:
    """Header lines at the start of `blocks`, and how many blocks they filled."""
    taken: list[_Line] = []
    used = 0
    for block in blocks:
        if len(taken) + len(block) > MAX_HEADER_LINES:
            break
        if not all(_is_header_line(line.text) for line in block):
            break
        taken.extend(block)
        used += 1
    return taken, used


# --- embedded posts ------------------------------------------------------------


def _tail_lines(lines: list[_Line], start: int) -> list[_Line]:
    """Lines right after an attribution (no blank between) that are only
    hashtags/URLs and a fragment: the tweet's displaced tail."""
    tail: list[_Line] = []
    for line in lines[start:]:
        if line.blank or not _is_link_or_tag_only(line.text):
            break
        tail.append(line)
    return tail


def _post_blocks(region: list[_Line]) -> list[list[_Line]]:
    """The blocks at the end of `region` that make up a tweet's text.

    Walk back from the attribution: link/tag-only blocks always belong; then
    text blocks until one ends a sentence or introduces quotes (":"), which
    is the article speaking, or the text grows longer than a tweet.
    """
    blocks = _blocks(region)
    taken: list[list[_Line]] = []
    size = 0
    for block in reversed(blocks):
        text = _block_text(block)
        has_text = any(not _is_link_or_tag_only(_block_text(b)) for b in taken)
        if has_text and (_SENTENCE_END.search(text) or size + len(text) > MAX_POST_CHARS):
            break
        taken.insert(0, block)
        size += len(text)
    return taken


def _split_posts(lines: list[_Line]) -> tuple[list[_PostDraft], set[int]]:
    """Posts found in `lines`, and the indexes of every line they used."""
    drafts: list[_PostDraft] = []
    used: set[int] = set()
    region_start = 0
    for position, line in enumerate(lines):
        if position < region_start:
            continue
        attribution = parse_attribution(line.text)
        if attribution is None:
            continue
        draft = _PostDraft(attribution)
        for block in _post_blocks(lines[region_start:position]):
            draft.lines.extend(item.text for item in block)
            used.update(item.index for item in block)
        tail = _tail_lines(lines, position + 1)
        draft.lines.extend(item.text for item in tail)
        used.update(item.index for item in [line, *tail])
        drafts.append(draft)
        region_start = position + 1 + len(tail)
    return drafts, used


def _clean(text: str) -> str:
    return attach_punctuation(" ".join(text.split()))


def _status_of(urls: list[str]) -> tuple[str | None, str | None]:
    for url in urls:
        found = parse_status_url(url)
        if found:
            return found[1], url
    return None, None


def _make_post(draft: _PostDraft, index: int) -> Post:
    text = _clean(" ".join(draft.lines))
    urls = extract_urls(text)
    status_id, status_url = _status_of(urls)
    date = draft.attribution.date
    if not date.known and status_id:
        date = PartialDate.of(tweet_id_date(status_id).date())
    return Post(
        source_id="",
        index=index,
        text=text,
        platform="twitter",
        author=draft.attribution.name,
        handle=draft.attribution.handle,
        date=date,
        urls=urls,
        hashtags=extract_hashtags(text, split_glued=True),
        status_id=status_id,
        status_url=status_url,
    )


# --- passages -------------------------------------------------------------------


def _paragraphs(lines: list[_Line]) -> list[str]:
    """Body paragraphs. A block that does not end a sentence runs on into the
    next one: PDF extraction puts blank lines mid-sentence."""
    paragraphs: list[str] = []
    pending = ""
    for block in _blocks(lines):
        pending = f"{pending} {_block_text(block)}".strip()
        if _SENTENCE_END.search(pending):
            paragraphs.append(pending)
            pending = ""
    if pending:
        paragraphs.append(pending)
    return paragraphs


def _body_runs(lines: list[_Line], used: set[int]) -> list[list[_Line]]:
    """Body lines, cut where a post was taken out, so paragraphs never run
    across an embedded tweet."""
    runs: list[list[_Line]] = [[]]
    for line in lines:
        if line.index in used:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


# --- article ----------------------------------------------------------------------


def _article_date(header: _Header, posts: list[Post]) -> PartialDate:
    """The header's date; a month without its year (or a date line without
    digits) is completed from the latest embedded post, to month precision."""
    if header.date is not None:
        return header.date
    dated = [p.date for p in posts if p.date.known and p.date.month]
    if not dated or not (header.month or header.damaged_date):
        return UNKNOWN_DATE
    latest = max(dated)
    assert latest.year is not None and latest.month is not None
    if header.month is None:
        return PartialDate(latest.year, latest.month)
    # An article is published after the posts it quotes.
    year = latest.year if header.month >= latest.month else latest.year + 1
    return PartialDate(year, header.month)


def parse_text_article(text: str) -> Source:
    """Read a plain-text article into a Source (id "" — ingest assigns ids)."""
    repaired = repair_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_Line(i, t) for i, t in enumerate(repaired.split("\n"))]
    blocks = _blocks(lines)
    title, used_blocks = _take_title(blocks)
    header_lines, header_blocks = _take_header(blocks[used_blocks:])
    header = _parse_header(header_lines)
    start_block = used_blocks + header_blocks
    body_start = blocks[start_block][0].index if start_block < len(blocks) else len(lines)
    body = lines[body_start:]
    drafts, used = _split_posts(body)
    posts = [_make_post(d, i) for i, d in enumerate(drafts)]
    sentences = [s for run in _body_runs(body, used) for p in _paragraphs(run) for s in split_sentences(_clean(p))]
    return Source(
        id="",
        title=_clean(title),
        publisher=header.publisher or header.author,
        author=header.author,
        date=_article_date(header, posts),
        lang=detect_language(title + " " + " ".join(sentences) + " ".join(p.text for p in posts)),
        passages=[Passage(source_id="", index=i, text=s) for i, s in enumerate(sentences)],
        posts=posts,
    )
