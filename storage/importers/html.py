"""Articles from HTML: main text, metadata and the tweets embedded in them.

The embedded tweets (blockquote.twitter-tweet) are read with selectolax and
then removed from the page, so their text never leaks into the article's
passages; trafilatura then extracts the main text from what is left.
Metadata comes from the page's meta tags and JSON-LD first, then from the
page's own byline (Arabic dates through storage.dates.parse_date), then from
trafilatura's guesses.
"""
from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import charset_normalizer
import httpx
import trafilatura
from selectolax.lexbor import LexborHTMLParser, LexborNode

from storage.dates import parse_date, search_date, tweet_id_date
from storage.errors import ImportFormatError
from storage.importers import ParseResult
from storage.language import detect_language
from storage.passages import split_sentences
from storage.posts import extract_hashtags, extract_urls, parse_status_url
from storage.records import UNKNOWN_DATE, PartialDate, Passage, Post, Source

# --- decoding ------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _try_decode(data: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return data.decode(codecs.lookup(encoding).name)
    except (LookupError, UnicodeDecodeError):
        return None


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then UTF-8 if the bytes are valid UTF-8, then the
    HTTP header's charset, then <meta charset>, then a detected encoding
    (charset-normalizer).

    Valid UTF-8 goes first because windows-1256 and other single-byte
    charsets accept any bytes: a stale header or meta tag would otherwise
    garble a UTF-8 page, while non-UTF-8 Arabic text is practically never
    valid UTF-8. A declared charset that does not fit the bytes is skipped.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    meta = _META_CHARSET_RE.search(data[:8192])
    declared = ["utf-8", charset, meta.group(1).decode("ascii") if meta else None]
    for name in declared:
        text = _try_decode(data, name)
        if text is not None:
            return text
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("windows-1252", errors="replace")


# --- embedded tweets -----------------------------------------------------------

_ATTRIBUTION_RE = re.compile(r"[—–-]\s*(?P<name>.*?)\s*\(\s*@(?P<handle>\w{1,30})\s*\)")


def _text(node: LexborNode) -> str:
    # separator=' ' keeps hashtags apart; strip=True would glue them (docs/field-notes.md §7).
    return " ".join(node.text(separator=" ").split())


def _id_date(status_id: str | None) -> PartialDate | None:
    if not status_id or not status_id.isdigit():
        return None
    try:
        return PartialDate.of(tweet_id_date(status_id).date())
    except ValueError:  # ids from before Nov 2010 hold no time
        return None


def reconcile_tweet_date(shown: PartialDate | None, status_id: str | None) -> tuple[PartialDate, str]:
    """The post's date and a note when the shown date and the status id disagree.

    The id's date is UTC and cannot be edited; the shown date is in the
    embedding page's time zone. Up to a day apart is a time-zone difference
    and the shown date is kept; further apart, the id wins and we say so.
    """
    from_id = _id_date(status_id)
    if from_id is None:
        return shown or UNKNOWN_DATE, ""
    if shown is None or not shown.known:
        return from_id, ""
    if shown.precision.value != "day":
        if shown.year == from_id.year and (shown.month in (None, from_id.month)):
            return from_id, ""
    else:
        gap = abs(shown.earliest() - from_id.earliest())  # type: ignore[operator]
        if gap <= timedelta(days=1):
            return shown, ""
    note = (
        f"the embed shows {shown.iso()} but status {status_id} was posted on "
        f"{from_id.iso()}; using the status id's date"
    )
    return from_id, note


@dataclass
class ParsedTweet:
    text: str
    author: str
    handle: str
    date: PartialDate
    status_id: str | None
    status_url: str | None
    urls: list[str]
    note: str = ""

    def to_post(self, index: int, source_id: str = "") -> Post:
        return Post(
            source_id=source_id,
            index=index,
            text=self.text,
            author=self.author,
            handle=self.handle,
            date=self.date,
            urls=self.urls,
            hashtags=extract_hashtags(self.text),
            status_id=self.status_id,
            status_url=self.status_url,
        )


def _parse_tweet(block: LexborNode) -> ParsedTweet | None:
    paragraphs = block.css("p")
    text = " ".join(_text(p) for p in paragraphs)
    status_url = status_id = None
    handle = author = ""
    shown: PartialDate | None = None
    for link in reversed(block.css("a")):
        href = (link.attributes.get("href") or "").strip()
        found = parse_status_url(href)
        if found:
            handle, status_id = found
            status_url = href.split("?")[0]
            shown = parse_date(_text(link))
            break
    outside = " ".join(
        (node.text_content or "") for node in block.iter(include_text=True) if node.tag == "-text"
    )
    match = _ATTRIBUTION_RE.search(" ".join(outside.split()))
    if match:
        author, handle = match.group("name").strip(), match.group("handle")
    if not text and not status_id:
        return None
    urls = [
        href
        for p in paragraphs
        for a in p.css("a")
        if (href := (a.attributes.get("href") or "").strip()) and "/hashtag/" not in href
    ]
    urls = list(dict.fromkeys(urls + extract_urls(text)))
    date, note = reconcile_tweet_date(shown, status_id)
    return ParsedTweet(text, author, handle, date, status_id, status_url, urls, note)


def extract_tweets(tree: LexborHTMLParser, *, remove: bool = False) -> list[ParsedTweet]:
    """Every embedded tweet in the page, in order; optionally removed from the tree."""
    tweets = []
    for block in tree.css("blockquote.twitter-tweet, blockquote.twitter-video"):
        parsed = _parse_tweet(block)
        if parsed:
            tweets.append(parsed)
        if remove:
            block.decompose()
    return tweets


def parse_tweet_html(html: str) -> list[ParsedTweet]:
    """Tweets in an HTML fragment (an oEmbed answer's `html`)."""
    return extract_tweets(LexborHTMLParser(html))


# --- metadata ------------------------------------------------------------------

_AUTHOR_PREFIX_RE = re.compile(
    r"^\s*(?:بقلم|كتبه|كتب|كتبت|الكاتب|إعداد|اعداد|by|written by|posted by|author)\s*[:：\-–—]?\s*",
    re.I,
)
_BYLINE_HINT_RE = re.compile(r"byline|author|writer|date|time|posted|published|meta|info|kateb", re.I)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


_WEEKDAYS_RE = re.compile(
    r"(?:\s|^)(?:يوم\s+)?(?:ال)?(?:سبت|أحد|احد|اثنين|إثنين|ثلاثاء|أربعاء|اربعاء|خميس|جمعة)\s*[،,]?\s*$|"
    r"(?:\s|^)(?:mon|tues|wednes|thurs|fri|satur|sun)day\s*,?\s*$",
    re.I,
)


def clean_author(raw: str) -> str:
    """A name without "بقلم"/"By", and without a date run into it."""
    name = " ".join(raw.split())
    for _ in range(2):  # "By: بقلم ..." happens
        name = _AUTHOR_PREFIX_RE.sub("", name)
    found = search_date(name)
    if found is not None and found.start > 0:
        name = _WEEKDAYS_RE.sub("", name[: found.start].rstrip(" |،,:-–—"))
    name = name.strip(" |،,:-–—")
    if name.startswith(("http://", "https://")) or len(name) > 80:
        return ""
    return name


def _iso_date(value: str | None) -> PartialDate | None:
    if not value:
        return None
    match = _ISO_DATE_RE.search(value)
    if not match:
        return parse_date(value)
    try:
        year, month = int(match.group(1)), int(match.group(2))
        day = int(match.group(3)) if match.group(3) else None
        return PartialDate(year, month, day)
    except ValueError:
        return None


def _meta(tree: LexborHTMLParser, *keys: str) -> str:
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attr}="{key}"]')
            content = (node.attributes.get("content") or "") if node is not None else ""
            if content.strip():
                return " ".join(content.split())
    return ""


def _json_ld(tree: LexborHTMLParser) -> dict:
    """The first Article-like JSON-LD object, flattened from @graph lists."""
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict) and ("datePublished" in item or "headline" in item):
                return item
    return {}


def _ld_name(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return value if isinstance(value, str) else ""


def _has_text_children(node: LexborNode) -> bool:
    child = node.child
    while child is not None:
        if child.tag not in ("-text", "br", "b", "strong", "i", "em", "a") and _text(child):
            return True
        child = child.next
    return False


@dataclass
class Byline:
    author: str = ""
    date: PartialDate | None = None


def _byline_pieces(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*[|·•\n]\s*|\s+[-–—]\s+", text) if p.strip()]


# Limits that keep a hostile page from costing minutes (docs/reliability.md): real
# articles nest a few dozen elements deep; every step below is linear in the
# page's size once the depth is bounded.
MAX_DEPTH = 400
MAX_NODES = 50_000  # elements and text runs; a long news page has a few thousand
MAX_HTML_BYTES = 30_000_000
_BYLINE_MAX_RAW = 2_000  # characters of text under an element worth reading as a byline


# An unclosed script, tag or comment runs to the end of the data, as it does for
# the parser: were it left unmatched, the scan would retry from every later `<`
# and search to the end each time (80 KB of `<!--x`: 6 s; 300 KB: minutes).
_TAG_RE = re.compile(
    rb"<(?:(script|style)\b.*?(?:</\1\s*>|\Z)|(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)(?:>|\Z)|!--.*?(?:-->|\Z))",
    re.S | re.I,
)
# Elements that never hold children, or whose end tag is optional (an unclosed
# one is closed by its next sibling): they do not deepen the tree.
_FLAT_TAGS = frozenset(
    b"area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option "
    b"optgroup thead tbody tfoot colgroup rp rt".split()
)
PRESCAN_DEPTH = 4 * MAX_DEPTH


def nesting_estimate(data: bytes, stop_at: int = PRESCAN_DEPTH) -> int:
    """How deep the tags nest, read from the bytes in linear time, stopping
    once past `stop_at`. The HTML parser's own cost grows with the square of
    the depth (40,000 levels: 2.8 s; 100,000: over a minute), so a page this
    says is absurdly deep is refused before it is parsed."""
    depth = deepest = 0
    for match in _TAG_RE.finditer(data):
        name = match.group(3)
        if name is None or match.group(4) or name.lower() in _FLAT_TAGS:
            continue
        if match.group(2):
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
    return deepest


_HTML_TAG_RE = re.compile(
    rb"<(?:!doctype|!--|(?:html|head|body|meta|title|link|script|style|div|p|span|a|article|section|main|header|"
    rb"nav|footer|h[1-6]|table|ul|ol|li|br|img|blockquote|figure|time|form)[\s/>])",
    re.I,
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def looks_like_html(data: bytes) -> bool:
    """Does the start of a file read as HTML? Random bytes or a binary file
    named .html would otherwise be decoded by guesswork and imported as
    hundreds of passages of garbage."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    if not head.strip():
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) // 100:  # NULs and other control bytes: binary, not markup
        return False
    return _HTML_TAG_RE.search(head[:4096]) is not None


def measure_tree(root: LexborNode, max_depth: int = MAX_DEPTH) -> dict[int, int]:
    """Each node's amount of text below it (by mem_id), in one pass; an
    ImportFormatError as soon as the nesting passes `max_depth`."""
    order: list[tuple[int, int | None, int]] = []  # pre-order (node, parent, own text length)
    stack: list[tuple[LexborNode, int, int | None]] = [(root, 0, None)]
    while stack:
        node, depth, parent = stack.pop()
        if depth > max_depth:
            raise ImportFormatError(f"the page nests elements more than {max_depth} deep; it is not an article")
        own = len(node.text_content or "") if node.tag == "-text" else 0
        order.append((node.mem_id, parent, own))
        if len(order) > MAX_NODES:
            raise ImportFormatError(f"the page has more than {MAX_NODES:,} elements; it is not an article")
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, depth + 1, node.mem_id) for c in reversed(children))
    sizes: dict[int, int] = {}
    for mem_id, parent, own in reversed(order):  # children before their parents
        total = sizes.get(mem_id, 0) + own
        sizes[mem_id] = total
        if parent is not None:
            sizes[parent] = sizes.get(parent, 0) + total
    return sizes


def find_byline(tree: LexborHTMLParser, sizes: dict[int, int]) -> Byline:
    """The page's own byline: an author after "بقلم"/"By", a date in words.

    Looks only at short elements marked as byline/author/date (by class, id,
    itemprop or a <time> tag) or starting with a byline word, so dates inside
    the article body are not taken for the publication date. `sizes` is
    measure_tree's text amount per node of the body.
    """
    found = Byline()
    body = tree.body
    if body is None:
        return found
    for node in body.traverse():
        if node.tag in ("script", "style", "blockquote", "-text"):
            continue
        if sizes.get(node.mem_id, 0) > _BYLINE_MAX_RAW:
            continue  # too long for a byline; skipping it before reading its text keeps this linear
        text = _text(node)
        if not text or len(text) > 160 or _has_text_children(node):
            continue  # the innermost elements carry one field each
        marks = " ".join(node.attributes.get(a) or "" for a in ("class", "id", "itemprop", "rel"))
        hinted = node.tag == "time" or bool(_BYLINE_HINT_RE.search(marks))
        pieces = _byline_pieces(text)
        for piece in pieces:
            if not found.author and _AUTHOR_PREFIX_RE.match(piece) and clean_author(piece):
                if _AUTHOR_PREFIX_RE.sub("", piece) != piece:
                    found.author = clean_author(piece)
        if hinted or any(_AUTHOR_PREFIX_RE.match(p) for p in pieces):
            if found.date is None:
                if node.tag == "time" and node.attributes.get("datetime"):
                    found.date = _iso_date(node.attributes["datetime"])
                for piece in pieces:
                    if found.date is None and not _AUTHOR_PREFIX_RE.match(piece):
                        found.date = parse_date(piece)
            if not found.author and re.search(r"author|writer|kateb", marks, re.I):
                found.author = clean_author(text)
        if found.author and found.date is not None:
            break
    return found


def _canonical_url(tree: LexborHTMLParser, url: str) -> str:
    """rel=canonical or og:url (an absolute one first), else the page's URL."""
    node = tree.css_first('link[rel="canonical"]')
    candidates = [(node.attributes.get("href") or "").strip() if node else "", _meta(tree, "og:url")]
    candidates = [c for c in candidates if c]
    for candidate in candidates:
        if candidate.startswith(("http://", "https://")):
            return candidate
    if candidates and url:
        return str(httpx.URL(url).join(candidates[0]))
    return url


# --- passages --------------------------------------------------------------------


def _fallback_text(tree: LexborHTMLParser) -> str:
    return "\n\n".join(_text(p) for p in tree.css("body p") if _text(p))


# --- the importer ----------------------------------------------------------------


@dataclass
class ParsedPage:
    source: Source
    notes: list[str] = field(default_factory=list)  # e.g. tweet date disagreements


def parse_html_page(data: bytes | str, *, url: str = "", charset: str | None = None) -> ParsedPage:
    if len(data) > MAX_HTML_BYTES:
        raise ImportFormatError(f"the page is {len(data):,} bytes, over the {MAX_HTML_BYTES:,}-byte limit for HTML")
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if not looks_like_html(raw):
        raise ImportFormatError("this file is not an HTML page (no HTML tags at its start, or binary data)")
    if nesting_estimate(raw) > PRESCAN_DEPTH:
        raise ImportFormatError(f"the page nests elements more than {MAX_DEPTH} deep; it is not an article")
    html = data if isinstance(data, str) else decode_html(data, charset)
    html = unicodedata.normalize("NFC", html)
    tree = LexborHTMLParser(html)
    if tree.body is None and tree.head is None:
        raise ImportFormatError("this file is not an HTML page")
    sizes = measure_tree(tree.root) if tree.root is not None else {}
    tweets = extract_tweets(tree, remove=True)
    ld = _json_ld(tree)
    cleaned = tree.html or ""
    extracted = trafilatura.bare_extraction(
        cleaned, url=url or None, with_metadata=True, include_comments=False,
        include_tables=False, include_images=False,
        # htmldate's extensive search falls back to dateparser over every
        # locale (seconds per page) and reads tweet dates (docs/field-notes.md §7); our own
        # byline reading does that job.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    doc: dict[str, Any] = (extracted if isinstance(extracted, dict)
                           else extracted.as_dict() if extracted is not None else {})
    # trafilatura puts one paragraph per line; split_sentences would join single lines.
    text = "\n\n".join((doc.get("text") or "").splitlines()).strip() or _fallback_text(tree)
    byline = find_byline(tree, sizes)

    title_node = tree.css_first("title")
    title = (
        _meta(tree, "og:title", "twitter:title")
        or (ld.get("headline") if isinstance(ld.get("headline"), str) else "")
        or (doc.get("title") or "")
        or (_text(title_node) if title_node else "")
    )
    publisher = (
        _meta(tree, "og:site_name", "application-name")
        or _ld_name(ld.get("publisher"))
        or (doc.get("sitename") or "")
    )
    author = clean_author(
        _meta(tree, "author", "article:author", "dc.creator", "DC.creator")
        or _ld_name(ld.get("author"))
    ) or byline.author or clean_author(doc.get("author") or "")
    date = (
        _iso_date(_meta(tree, "article:published_time", "og:published_time", "datePublished",
                        "pubdate", "publishdate", "date", "dc.date", "DC.date.issued"))
        or _iso_date(ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None)
        or byline.date
        or (_iso_date(doc.get("date")) if doc.get("date") else None)
        or UNKNOWN_DATE
    )
    canonical = _canonical_url(tree, url)
    html_node = tree.css_first("html")
    lang = (
        ((html_node.attributes.get("lang") or "") if html_node else "")
        or _meta(tree, "og:locale", "content-language", "language")
    )
    lang = lang.replace("_", "-").split("-")[0].lower() or detect_language(text)

    passages = [Passage("", i, s) for i, s in enumerate(split_sentences(text))]
    posts = [t.to_post(i) for i, t in enumerate(tweets)]
    if not passages and not posts:
        raise ImportFormatError("no article text or embedded posts were found in this page")
    source = Source(
        id="",
        title=" ".join(title.split()),
        publisher=publisher,
        author=author,
        date=date,
        url=canonical,
        lang=lang,
        passages=passages,
        posts=posts,
    )
    return ParsedPage(source, [t.note for t in tweets if t.note])


def parse_html(data: bytes | str, *, url: str = "", charset: str | None = None) -> Source:
    """An HTML page (bytes or text) as a Source with id "" (ingest assigns it)."""
    return parse_html_page(data, url=url, charset=charset).source


def parse_file(data: bytes, name: str) -> ParseResult:
    """The import registry's entry point (storage.importers.FORMATS["html"])."""
    try:
        source = parse_html(data)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{name}: {exc}") from None
    return ParseResult(sources=[source], lines=[None])
