"""The verifier: claim -> Report.

Pipeline: clean the claim; exact links first (a tweet or t.co URL that an
archived post carries is that post, score 100); then BM25 candidates from the
index; re-rank them to 0..100; keep those at or above the threshold; look for
conflicting accounts among the rest of the retrieval; build the timeline.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from storage.posts import parse_status_url
from storage.records import PartialDate, Post, Source
from storage.store import ArchiveStore
from verifiers import provenance, rerank
from verifiers.claim import clean_claim
from verifiers.index import DocKey, Index
from verifiers.normalize import tokens
from verifiers.report import Claim, Conflict, Match, Report

DEFAULT_THRESHOLD = 40.0  # seed: unrelated claims <= 26, dialect rephrasing >= 49 (rerank.py)
CANDIDATES = 100  # BM25 candidates re-ranked per claim
RELATED = 30  # lower-scored candidates handed to the conflict finder
SAME_TWEET, SAME_LINK = "same tweet", "same link"  # reasons of exact link matches


def _optional(module: str, name: str) -> Callable | None:
    """A function from a module that may not exist yet (aliases, conflicts)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def url_key(url: str) -> str:
    """A URL reduced to what identifies it: no scheme, www., trailing slash or
    trailing punctuation. The path keeps its case (t.co codes are case-sensitive)."""
    url = re.sub(r"^[a-z]+://", "", url.strip(), flags=re.IGNORECASE)
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    rest = rest.rstrip("/!.,;:)?\u060c\u061f")
    return f"{host}/{rest}" if rest else host


@dataclass
class _Item:
    match: Match  # a template: score 0, no reason
    tokens_cache: list[str] | None = None


class Verifier:
    def __init__(self, store: ArchiveStore, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.store = store
        self.threshold = threshold
        self._concepts = _optional("verifiers.aliases", "concept_tokens")
        self._index = Index()
        self._items: dict[str, _Item] = {}
        self._by_url: dict[str, list[str]] = {}  # url key -> post item ids
        self._by_status: dict[str, list[str]] = {}  # status id -> post item ids
        self.add_sources(store.sources())

    # --- keeping the index in step with the store ------------------------------

    def terms(self, text: str) -> list[str]:
        """Index terms: light-stemmed words plus cross-lingual concept ids."""
        out = tokens(text)
        if self._concepts is not None:
            out.extend(self._concepts(text))
        return out

    def add_sources(self, sources: Iterable[Source]) -> int:
        """Index sources' passages and posts; returns how many items."""
        docs: list[tuple[DocKey, list[str]]] = []
        for source in sources:
            for passage in source.passages:
                match = Match(
                    score=0.0, source_id=source.id, kind="passage", item_id=passage.id,
                    text=passage.text, title=source.title, publisher=source.publisher,
                    url=source.url, date=source.date, author=source.author,
                )
                docs.append(self._register(match))
            for post in source.posts:
                docs.append(self._register(self._post_match(source, post)))
                self._register_links(post)
        self._index.add_many(docs)
        return len(docs)

    def _post_match(self, source: Source, post: Post) -> Match:
        return Match(
            score=0.0, source_id=source.id, kind="post", item_id=post.id, text=post.text,
            title=source.title, publisher=source.publisher, url=post.status_url or source.url,
            date=post.date if post.date.known else source.date,
            author=post.author, handle=post.handle,
        )

    def _register(self, match: Match) -> tuple[DocKey, list[str]]:
        self._items[match.item_id] = _Item(match)
        terms = self.terms(match.text)
        if match.handle:
            terms.append("@" + match.handle.lower())  # found by handle, weakly
        return DocKey(match.kind, match.item_id, match.source_id), terms

    def _register_links(self, post: Post) -> None:
        for url in [*post.urls, *([post.status_url] if post.status_url else [])]:
            self._by_url.setdefault(url_key(url), []).append(post.id)
        if post.status_id:
            self._by_status.setdefault(str(post.status_id), []).append(post.id)

    def remove_source(self, source_id: str) -> int:
        """Drop a source from the index (after the store removed it)."""
        removed = self._index.remove_source(source_id)
        prefix = source_id + ":"
        for item_id in [i for i in self._items if i.startswith(prefix)]:
            del self._items[item_id]
        for table in (self._by_url, self._by_status):
            for key in list(table):
                table[key] = [i for i in table[key] if not i.startswith(prefix)]
                if not table[key]:
                    del table[key]
        return removed

    # --- verifying ---------------------------------------------------------------

    def verify(
        self, text: str, *, limit: int = 5, min_score: float | None = None, claim_date: PartialDate | None = None
    ) -> Report:
        """Verify a claim. `claim_date` is the claim's own date when it is known
        from elsewhere (a fetched tweet's), for "recycled" detection."""
        claim = clean_claim(text)
        if claim_date is not None and claim_date.known:
            claim.date = claim_date
        floor = self.threshold if min_score is None else min_score
        exact = self._exact_links(claim)
        scored = exact + self._ranked(claim, exclude={m.item_id for m in exact})
        matches = [m for m in scored if m.score >= floor][:limit]
        chosen = {m.item_id for m in matches}
        rest = [m for m in scored if m.item_id not in chosen]
        report = Report(query=text, claim=claim, matches=matches)
        report.conflicts = self._conflicts(claim, matches, rest[:RELATED])
        report.timeline = provenance.timeline(matches)
        report.recycled_days = provenance.recycled_days(claim, report.timeline)
        if claim.urls and not exact and not claim.text:
            report.notes.append("the link is not in the archive")
        return report

    def verify_many(self, texts: Iterable[str], *, limit: int = 5, min_score: float | None = None) -> list[Report]:
        return [self.verify(t, limit=limit, min_score=min_score) for t in texts]

    def _exact_links(self, claim: Claim) -> list[Match]:
        found: dict[str, Match] = {}
        for url in claim.urls:
            parsed = parse_status_url(url)
            if parsed is not None:
                for item_id in self._by_status.get(str(parsed[1]), []):
                    found.setdefault(item_id, self._hit(item_id, 100.0, SAME_TWEET))
            for item_id in self._by_url.get(url_key(url), []):
                found.setdefault(item_id, self._hit(item_id, 100.0, SAME_LINK))
        return list(found.values())

    def _hit(self, item_id: str, score: float, reason: str) -> Match:
        return replace(self._items[item_id].match, score=score, reason=reason)

    def _ranked(self, claim: Claim, *, exclude: set[str]) -> list[Match]:
        """Index candidates re-ranked, best first."""
        claim_terms = self.terms(claim.text)
        if not claim_terms:
            return []
        result = self._index.search(claim_terms, k=CANDIDATES)
        ranked: list[Match] = []
        for hit in result.hits:
            item = self._items.get(hit.key.item_id)
            if item is None or hit.key.item_id in exclude:
                continue
            if item.tokens_cache is None:
                item.tokens_cache = self.terms(item.match.text)
            value, reason = rerank.score(
                claim, claim_terms, item.match.text, item.tokens_cache, hit.bm25, result.bm25_max
            )
            ranked.append(replace(item.match, score=value, reason=reason))
        ranked.sort(key=lambda m: -m.score)
        return ranked

    def _conflicts(self, claim: Claim, matches: list[Match], related: list[Match]) -> list[Conflict]:
        find = _optional("verifiers.conflicts", "find_conflicts")
        if find is None or not matches:
            return []
        return find(claim, matches, related)
