"""The verifier: claim -> Report.

Pipeline: clean the claim; exact links first (a tweet or t.co URL that an
archived post carries is that post, score 100); then BM25 candidates from the
index; re-rank them to 0..100; keep those at or above the threshold; look for
conflicting accounts among the rest of the retrieval; build the timeline.

The index is kept on disk beside the archive (`store.index_path()`, e.g.
`archive.json.index/`) and memory-mapped at start, so opening a big archive
does not re-tokenize it. It is stamped with the store's revision and the
tokenizer/alias table it was built with: an index that lags the archive is
caught up source by source (found by content hash), one built with other
aliases, damaged or of another format is rebuilt, with a log line. Passage
and post texts are read from the store when a candidate needs them; the
index keeps each document's terms, so re-ranking never re-tokenizes.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import multiprocessing
import os
import re
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

import numpy as np

from storage.passages import split_sentences as passage_sentences
from storage.posts import parse_status_url
from storage.records import PartialDate, Passage, Post, Source
from storage.store import ArchiveStore
from storage.urls import url_key
from verifiers import embeddings, provenance, rerank, same_e5, verdict
from verifiers.aliases import AliasTable, read_aliases
from verifiers.claim import clean_claim
from verifiers.conflicts import judge
from verifiers.crosslang import CrossLanguage
from verifiers.index import DocKey, Index, IndexFileError, SearchResult
from verifiers.normalize import is_arabic, normalize, titled, tokens, word_groups
from verifiers.report import Claim, Conflict, Match, Note, Report
from verifiers.same_post import promote_same_posts

DEFAULT_THRESHOLD = rerank.threshold()  # the lower strong cut; each language has its own (rerank.cuts)
SHORT_ITEM_WORDS = 3  # archived items with this many content words or fewer are never shown ("عاجل..", "Sen.")
# A claim longer than this (content words) is also verified sentence by sentence. Above
# every CheckThat! tweet but a few (AR at most 43, EN 99th percentile 37): splitting a
# tweet costs ranking quality (AR dev MAP@5 0.861 -> 0.840 at 30), a paragraph needs it.
SPLIT_MIN_WORDS = 45
SPLIT_MIN_SENTENCE = 4  # content words a sentence needs to be verified on its own
SPLIT_MAX = 8  # sentences verified on their own, at most (the first ones)
CANDIDATES = 100  # BM25 candidates re-ranked per claim
CONCEPT_CANDIDATES = 20  # more, found by the claim's concepts alone (other-language accounts)
RELATED = 30  # lower-scored candidates handed to the conflict finder
HIDDEN_JUDGED = 8  # passages and posts hidden by the grouping, judged as matches too (best first)
SAME_TWEET, SAME_LINK = "same tweet", "same link"  # the words exact link matches give as their reason
LINK_KEYS = 2  # bump when storage.urls.url_key changes the keys of the saved link tables: saved indexes rebuild
TOKENIZER_VERSION = 2  # bump when normalize.tokens changes the terms a text gets: saved indexes rebuild
SAVE_AFTER = 2_000  # documents added or removed since the last save that make it worth saving again
CHUNK = 25_000  # documents tokenized per batch in a bulk load
PARALLEL_MIN = 20_000  # documents from which a bulk load tokenizes with worker processes
BATCH_PARALLEL_MIN = 64  # claims from which verify_many shares the batch between worker processes
DEFAULT_WORKERS = max(1, min(2, os.cpu_count() or 1))  # [matching] workers overrides it
log = logging.getLogger("isnad.index")


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def _doc_terms(text: str, handle: str, aliases: AliasTable) -> list[str]:
    """A document's index terms: words, concepts, and its author's handle (weakly)."""
    out = tokens(text) + aliases.concept_tokens(text)
    if handle:
        out.append("@" + handle.lower())
    return out


def _encode(docs: list[tuple[str, str]], aliases: AliasTable) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(text, handle) pairs -> (local vocabulary, term numbers into it, lengths).
    Runs in worker processes too: numbers and a small vocabulary pickle cheaply."""
    vocab: dict[str, int] = {}
    flat: list[int] = []
    lengths: list[int] = []
    for text, handle in docs:
        terms = _doc_terms(text, handle, aliases)
        flat.extend(vocab.setdefault(t, len(vocab)) for t in terms)
        lengths.append(len(terms))
    return list(vocab), np.asarray(flat, dtype=np.int32), np.asarray(lengths, dtype=np.int64)


def alias_fingerprint(aliases: AliasTable) -> str:
    """Changes when the alias table (shipped + moderators') changes: concept terms differ then."""
    concepts = aliases.concepts
    data = sorted((cid, sorted(c.names), sorted(c.broader)) for cid, c in concepts.items())
    return hashlib.sha1(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


class Verifier:
    def __init__(
        self, store: ArchiveStore, *, aliases: AliasTable | None = None, workers: int = DEFAULT_WORKERS,
        threshold: float | None = None, concept_pass_min: int | None = None,
        index_dir: str | Path | None | bool = True,
    ) -> None:
        """`aliases`: the alias table the index and claims are read with (the
        shipped one when None; pass the moderators' too, verifiers.aliases.
        read_aliases(path), or a saved index built with them is rebuilt).
        `workers`: processes for a bulk index build and a big verify_many.
        `threshold`: the strong cut for every language (None: each language's
        own, calibrated on dev; see `cuts`).
        `concept_pass_min`: claims with this many concepts get the concept-only
        candidate pass (None: rerank.MIN_CONCEPTS). `index_dir`: where the index
        is saved; True (default) asks the store (`<archive>.index/` for a TinyDB
        file), None/False keeps it in memory."""
        self.store = store
        self.aliases = aliases if aliases is not None else read_aliases()
        self.workers = max(1, workers)
        self._fixed_threshold = threshold is not None
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self.concept_pass_min = concept_pass_min if concept_pass_min is not None else rerank.MIN_CONCEPTS
        self._dir = store.index_path() if index_dir is True else (Path(index_dir) if index_dir else None)
        self._stamp = {"tokenizer": TOKENIZER_VERSION, "aliases": alias_fingerprint(self.aliases),
                       "links": LINK_KEYS}
        self._by_url: dict[str, list[str]] = {}  # url key -> post item ids
        self._by_status: dict[str, list[str]] = {}  # status id -> post item ids
        self._hashes: dict[str, str] = {}  # indexed source id -> content hash
        self._outside: dict[str, Source] = {}  # sources indexed that the store does not hold
        self._unsaved = 0
        self._index = Index()
        self.crosslang = CrossLanguage(self)  # English claims against Arabic accounts, and the reverse
        self._open_index()

    # --- the persisted index ------------------------------------------------------

    def _open_index(self) -> None:
        if self._dir is not None and (self._dir / "meta.json").exists():
            try:
                index = Index.load(self._dir)
                extra = index.extra
                if extra.get("stamp") != self._stamp:
                    raise IndexFileError("it was built with another tokenizer or alias table")
                by_url, by_status, hashes = extra["by_url"], extra["by_status"], extra["hashes"]
                if not all(isinstance(x, dict) for x in (by_url, by_status, hashes)):
                    raise IndexFileError("its link tables are damaged")
            except (IndexFileError, KeyError) as exc:
                log.warning("rebuilding the search index in %s: %s", self._dir, exc)
            else:
                self._index, self._by_url, self._by_status, self._hashes = index, by_url, by_status, hashes
                self._catch_up(extra.get("revision"))
                return
        self._rebuild()

    def _rebuild(self) -> None:
        started = time.perf_counter()
        self._index, self._by_url, self._by_status, self._hashes = Index(), {}, {}, {}
        count = self._add(self.store.sources(), check_store=False)
        if self._dir is not None:
            log.info("built the search index: %d passages and posts in %.1f s", count, time.perf_counter() - started)
            self.save()

    def _catch_up(self, saved_revision: str | None) -> None:
        """Bring a loaded index level with the store: sources added or removed
        by other processes since it was saved (matched by id and content hash)."""
        revision = self.store.revision()
        if revision is not None and revision == saved_revision:
            return
        current = self.store.source_hashes()
        gone = [sid for sid, h in self._hashes.items() if current.get(sid) != h]
        for sid in gone:
            self.remove_source(sid)
        new = [sid for sid, h in current.items() if self._hashes.get(sid) != h]
        added = self._add((s for s in map(self.store.get, new) if s is not None), check_store=False)
        if gone or new:
            log.info("search index caught up: %d sources added (%d passages and posts), %d removed",
                     len(new), added, len(gone))
        self._maybe_save()

    def save(self) -> None:
        """Write the index beside the archive. A failure is logged, never raised:
        the index in memory is still right, and the next start catches up."""
        if self._dir is None:
            return
        revision = self.store.revision()
        if revision is not None and self.store.source_hashes() != self._hashes:
            revision = None  # another process changed the archive meanwhile: next start compares
        self._index.extra = {
            "stamp": self._stamp, "revision": revision, "hashes": self._hashes,
            "by_url": self._by_url, "by_status": self._by_status,
        }
        try:
            self._index.save(self._dir, mode=self._index_mode())
        except OSError as exc:
            log.warning("could not save the search index in %s: %s", self._dir, exc)
            return
        self._unsaved = 0

    @property
    def unsaved(self) -> int:
        """Documents added or removed since the index was last saved."""
        return self._unsaved

    def _index_mode(self) -> int:
        """The index files' permissions: the archive file's own (an index holds
        its words), or owner-only when the archive is not a local file."""
        path = getattr(self.store, "path", None)
        try:
            return path.stat().st_mode & 0o666 if isinstance(path, Path) else 0o600
        except OSError:
            return 0o600

    def _maybe_save(self) -> None:
        if self._unsaved >= SAVE_AFTER:
            self.save()

    # --- keeping the index in step with the store ------------------------------

    def terms(self, text: str) -> list[str]:
        """Index terms: light-stemmed words plus cross-lingual concept ids."""
        return tokens(text) + self.aliases.concept_tokens(text)

    def add_sources(self, sources: Iterable[Source]) -> int:
        """Index sources' passages and posts; returns how many items. A source
        already indexed with the same content is skipped (so calling this after
        a restart that caught up does not index it twice)."""
        count = self._add(sources, check_store=True)
        self._maybe_save()
        self.crosslang.sources_changed()
        return count

    def _add(self, sources: Iterable[Source], *, check_store: bool) -> int:
        fresh = self._fresh(sources, check_store)
        total = 0
        pool = None
        try:
            for chunk in _chunks(fresh, CHUNK):
                keys = [key for key, _, _ in chunk]
                docs = [(text, handle) for _, text, handle in chunk]
                if pool is None and len(chunk) >= PARALLEL_MIN and self.workers > 1:
                    pool = _fork_pool(self.workers, (self.aliases, None))
                encoded: Iterator[tuple[list[str], np.ndarray, np.ndarray]]
                if pool is not None:
                    encoded = pool.imap(_encode_in_worker, _split(docs, self.workers * 4))
                else:
                    encoded = iter([_encode(docs, self.aliases)])
                done = 0
                for vocab, flat, lengths in encoded:
                    ids = self._index.term_ids(vocab)
                    part = keys[done:done + len(lengths)]
                    self._index.add_flat(part, ids[flat] if len(flat) else flat, lengths, defer=True)
                    done += len(lengths)
                total += len(chunk)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        self._index.commit()
        self._unsaved += total
        return total

    def _fresh(self, sources: Iterable[Source], check_store: bool) -> Iterator[tuple[DocKey, str, str]]:
        """(key, text, handle) of every passage and post of sources not indexed yet."""
        for source in sources:
            if source.id in self._hashes:
                if self._hashes[source.id] == source.content_hash:
                    continue
                self.remove_source(source.id)  # same id, new content
            self._hashes[source.id] = source.content_hash
            items: list[Passage | Post] = [*source.passages, *source.posts]
            if check_store and items and self.store.get_item(items[0].id) is None:
                self._outside[source.id] = source  # indexed by a caller without the store
            for passage in source.passages:
                yield DocKey("passage", passage.id, source.id), titled(source.title, passage.text), ""
            for post in source.posts:
                self._register_links(post)
                yield DocKey("post", post.id, source.id), post.text, post.handle

    def _post_match(self, source: Source, post: Post) -> Match:
        return Match(
            score=0.0, source_id=source.id, kind="post", item_id=post.id, text=post.text,
            title=source.title, publisher=source.publisher, url=post.status_url or source.url,
            date=post.date if post.date.known else source.date,
            author=post.author, handle=post.handle,
        )

    def _template(self, item_id: str, got: tuple[Source, Passage | Post] | None = None) -> Match | None:
        """The Match for an archived passage or post (score 0), read from the store
        unless the caller fetched it already."""
        got = got or self.store.get_item(item_id)
        if got is None:
            source = self._outside.get(item_id.rpartition(":")[0])
            if source is None:
                return None
            items: list[Passage | Post] = [*source.passages, *source.posts]
            item = next((i for i in items if i.id == item_id), None)
            if item is None:
                return None
            got = (source, item)
        source, item = got
        if isinstance(item, Post):
            return self._post_match(source, item)
        return Match(
            score=0.0, source_id=source.id, kind="passage", item_id=item.id,
            text=item.text, title=source.title, publisher=source.publisher,
            url=source.url, date=source.date, author=source.author,
        )

    def _candidate_terms(self, doc: int, match: Match) -> list[str]:
        """The terms the re-ranker compares: the document's index terms without the handle term."""
        terms = self._index.doc_terms(doc)
        if match.kind == "post" and terms and terms[-1].startswith("@"):
            terms.pop()
        return terms

    def _register_links(self, post: Post) -> None:
        for url in [*post.urls, *([post.status_url] if post.status_url else [])]:
            self._by_url.setdefault(url_key(url), []).append(post.id)
        if post.status_id:
            self._by_status.setdefault(str(post.status_id), []).append(post.id)

    def remove_source(self, source_id: str) -> int:
        """Drop a source from the index (after the store removed it)."""
        removed = self._index.remove_source(source_id)
        self.crosslang.source_removed(source_id)
        self._hashes.pop(source_id, None)
        self._outside.pop(source_id, None)
        prefix = source_id + ":"
        for table in (self._by_url, self._by_status):
            for key in list(table):
                if any(i.startswith(prefix) for i in table[key]):
                    table[key] = [i for i in table[key] if not i.startswith(prefix)]
                    if not table[key]:
                        del table[key]
        self._unsaved += removed
        return removed

    # --- verifying ---------------------------------------------------------------

    def verify(
        self, text: str, *, limit: int = 5, min_score: float | None = None, claim_date: PartialDate | None = None,
        claim_handle: str | None = None, all_passages: bool = False,
    ) -> Report:
        """Verify a claim. `claim_date` is the claim's own date when it is known
        from elsewhere (a fetched tweet's), for "recycled" detection;
        `claim_handle` its author's handle (a screenshot's), like a pasted
        tweet's attribution: that account's post with the claim's text comes first.
        `all_passages`: every matching passage and post, not one per source and kind."""
        claim = clean_claim(text)
        if claim_date is not None and claim_date.known:
            claim.date = claim_date
        if claim_handle:
            claim.handle = claim_handle.lstrip("@")
        exact = self._exact_links(claim)
        seen = {m.item_id for m in exact}
        prefetched = self.crosslang.prefetch(claim)  # embeds the claim while the lexical path ranks
        same_e5.prefetch(self.crosslang, claim, prefetched)  # the same-claim score may need it too
        strong, possible = self.cuts(claim)
        scored = exact + self.crosslang.extend(claim, self._scored(claim, exclude=seen), exclude=seen,
                                               threshold=strong, possible=possible, prefetched=prefetched)
        scored = promote_same_posts(claim, scored)  # the tweet by its handle and text
        tiered = self._tiered(claim, scored, min_score)
        # Stance before grouping: a source's other passages that passed the cut are matches too (one
        # of them may tell the other version of the event), only the report shows one per source.
        judged = self._judged(tiered, self._group(tiered, limit, all_passages))
        chosen = {m.item_id for m in judged}
        rest = [m for m in scored if m.item_id not in chosen]
        report = Report(query=text, claim=claim)
        kept, report.conflicts = self._conflicts(claim, judged, rest[:RELATED])
        report.matches = self._group(kept + [m for m in tiered if m.item_id not in chosen], limit, all_passages,
                                     shown=chosen)
        _anchor(report.matches, report.conflicts)
        report.verdict = verdict.decide(report.matches, report.conflicts)
        report.timeline = provenance.timeline(report.matches)
        report.recycled_days = provenance.recycled_days(claim, report.timeline)
        if claim.urls and not exact and not claim.text:
            report.notes.append(Note("link_not_archived", "the link is not in the archive"))
        return report

    def verify_many(
        self, texts: Iterable[str], *, limit: int = 5, min_score: float | None = None, workers: int | None = None,
        all_passages: bool = False,
    ) -> list[Report]:
        """Reports in the order of `texts`. A big batch (BATCH_PARALLEL_MIN or
        more, or `workers` > 1) is shared between worker processes forked from
        this one: they see the same index and archive, and re-ranking is CPU work."""
        texts = list(texts)
        count = (self.workers if len(texts) >= BATCH_PARALLEL_MIN else 1) if workers is None else workers
        if count <= 1 or len(texts) < 2:
            return [self.verify(t, limit=limit, min_score=min_score, all_passages=all_passages) for t in texts]
        with _fork_pool(count, (self.aliases, (self, limit, min_score, all_passages))) as pool:
            return pool.map(_verify_in_worker, texts, chunksize=max(1, min(16, len(texts) // (4 * count))))

    def find_linked(self, url: str) -> list[Match]:
        """Which archived posts carry this link: the tweet itself when it is a
        status link (by status id, whatever the handle or host), and posts that
        contain the exact link (a t.co code, an article). Answered from the
        index's link tables, without reading the archive; score 100,
        `exact=True`, earliest first."""
        parsed = parse_status_url(url)
        tweets = self._by_status.get(str(parsed[1]), []) if parsed is not None else []
        links = [i for i in self._by_url.get(url_key(url), []) if i not in tweets]
        found: list[Match] = []
        for item_ids, reason in ((tweets, SAME_TWEET), (links, SAME_LINK)):  # the tweet itself first
            hits = [m for m in (self._hit(i, reason) for i in dict.fromkeys(item_ids)) if m is not None]
            found += sorted(hits, key=lambda m: (m.date.earliest() is None, m.date))
        return found

    def _exact_links(self, claim: Claim) -> list[Match]:
        found: dict[str, Match] = {}
        for url in claim.urls:
            for match in self.find_linked(url):
                found.setdefault(match.item_id, match)
        return list(found.values())

    def _hit(self, item_id: str, reason: str) -> Match | None:
        match = self._template(item_id)
        return replace(match, score=100.0, reason=reason, exact=True) if match is not None else None

    def _ranked(self, claim: Claim, *, exclude: set[str]) -> list[Match]:
        """Index candidates re-ranked, best first."""
        claim_terms = self.terms(claim.text)
        if not claim_terms:
            return []
        return self.rerank_hits(claim, claim_terms, self.candidates(claim, claim_terms), exclude=exclude)

    def candidates(self, claim: Claim, claim_terms: list[str], *, k: int = CANDIDATES) -> SearchResult:
        """The documents worth re-ranking: the BM25 top k, then the top documents
        by the claim's concepts alone. An account in the other language shares
        only concepts (§deir_ezzor, §isis), whose idf is low next to the words a
        same-language passage shares, so it can rank past k; the re-ranker scores
        it high when it shares MIN_CONCEPTS concepts or more."""
        query = self.query_terms(claim, claim_terms)
        query += self._index.similar_terms(query)  # typos, hamza seats, ج/غ spellings of rare words
        result = self._index.search(query, k=k)
        concepts = list(dict.fromkeys(t for t in claim_terms if t.startswith("\u00a7")))
        if len(concepts) < self.concept_pass_min:
            return result
        seen = {h.doc for h in result.hits}
        extra = [h for h in self._index.search(concepts, k=CONCEPT_CANDIDATES).hits if h.doc not in seen]
        if extra:  # their BM25 for the whole query, as the re-ranker expects
            exact = self._index.score_docs(query, [h.doc for h in extra])
            extra = sorted((replace(h, bm25=float(b)) for h, b in zip(extra, exact)), key=lambda h: (-h.bm25, h.doc))
        return SearchResult(result.hits + extra, result.bm25_max)

    def query_terms(self, claim: Claim, claim_terms: list[str] | None = None) -> list[str]:
        """What the index is searched with."""
        claim_terms = self.terms(claim.text) if claim_terms is None else claim_terms
        # A pasted tweet's author is often who the claim is about ("Trump said...").
        query = claim_terms + self.terms(claim.author) if claim.author else claim_terms
        # Mentions and hashtags glue words: @realDonaldTrump, #BlackLivesMatter.
        glued = " ".join(_CAMEL.sub(" ", w) for w in claim.text.split() if _CAMEL.search(w))
        return query + self.terms(glued) if glued else query

    def rerank_hits(
        self, claim: Claim, claim_terms: list[str], result: SearchResult, *, exclude: Collection[str] = ()
    ) -> list[Match]:
        """Score search hits 0..100 with the re-ranker, best first (benchmarks
        call this on every document to measure what the candidate cut loses)."""
        top = result.hits[0].bm25 if result.hits else 0.0
        fetched = self.store.get_items(h.key.item_id for h in result.hits if h.key.item_id not in exclude)
        idf = self._index.term_idf(claim_terms)
        ranked: list[Match] = []
        scored: list[rerank.Scored] = []
        for rank, hit in enumerate(result.hits):
            if hit.key.item_id in exclude:
                continue
            match = self._template(hit.key.item_id, fetched.get(hit.key.item_id))
            if match is None or too_short(match.text):  # removed meanwhile; or "عاجل..", "The"
                continue
            cand_terms = self._candidate_terms(hit.doc, match)
            one = rerank.score(claim, claim_terms, match.text, cand_terms, hit.bm25, result.bm25_max,
                               title=match.title, rank=rank, bm25_top=top, idf=idf)
            ranked.append(replace(match, score=one.value, reason=one.reason))
            scored.append(one)
        # The lead over the other candidates tells the claim from similar ones.
        base = [one.logit for one in scored]
        values = same_e5.rescore(self.crosslang, claim, ranked, scored, rerank.same_claim(claim, scored))
        for match, value in zip(ranked, values):  # e5 cosines weigh in where they can change the tier
            match.score = value
        order = sorted(range(len(ranked)), key=lambda i: (-ranked[i].score, -base[i]))
        return [ranked[i] for i in order]

    # --- which matches a report shows ------------------------------------------------

    def cuts(self, claim: Claim) -> tuple[float, float]:
        """(strong, possible) for this claim's language. A configured threshold
        is the strong cut; the possible tier then starts at the language's own
        possible cut, when that is lower."""
        lang = "ar" if is_arabic(claim.text) else "en"
        strong, possible = same_e5.cuts(self.crosslang, lang) or rerank.cuts()[lang]  # e5's own, where it runs
        if self._fixed_threshold:
            strong, possible = self.threshold, min(possible, self.threshold)
        return strong, possible

    def _scored(self, claim: Claim, *, exclude: set[str]) -> list[Match]:
        """Candidates re-ranked, best first. A pasted paragraph is also verified
        sentence by sentence (a long text shares too little with any one
        archived sentence); such matches say which sentence they matched."""
        ranked = self._ranked(claim, exclude=exclude)
        sentences = split_sentences(claim.text)
        if len(sentences) < 2:
            return ranked
        best = {m.item_id: m for m in ranked}
        for sentence in sentences:
            part = replace(claim, text=sentence)
            for match in self._ranked(part, exclude=exclude):
                before = best.get(match.item_id)
                if before is None or match.score > before.score:
                    best[match.item_id] = replace(match, sentence=sentence)
        return sorted(best.values(), key=lambda m: -m.score)

    def _tiered(self, claim: Claim, scored: list[Match], min_score: float | None) -> list[Match]:
        """The matches at or above the possible cut (or `min_score`), each with its confidence: strong
        ones first, each tier in `scored`'s order (best first, except that the cross-language path
        ranks weak other-language matches after same-language ones with evidence, and its own scored
        candidates before the alias rule's other ones: crosslang.extend); the same text under two
        ids once. Exact link matches are strong."""
        strong, possible = self.cuts(claim)
        floor = possible if min_score is None else min_score
        kept: list[Match] = []
        texts: set[tuple[str, str | None, str, str, str]] = set()
        for match in scored:
            if match.score < floor:
                continue
            # The same claim archived twice (same text, nothing to tell the two
            # apart: no date, publisher, author or link of its own) counts once; the
            # same text carried by another outlet or on another day is provenance.
            text_key = (normalize(match.text), match.date.iso(), match.publisher, match.handle, match.url)
            if text_key in texts:
                continue
            texts.add(text_key)
            match.confidence = "strong" if match.exact or match.score >= strong else "possible"
            kept.append(match)
        # Stable, by tier only: re-sorting by score undid extend's order (English renderings, dev
        # MAP@5 0.653 -> 0.607: the alias rule's unscored 29s went above the model's matches).
        kept.sort(key=lambda m: m.confidence != "strong")
        return kept

    @staticmethod
    def _group(
        tiered: list[Match], limit: int, all_passages: bool, *, shown: Collection[str] | None = None
    ) -> list[Match]:
        """The matches a report shows (`tiered` order): one per source for its passages (its best
        passage, with how many matched) and one per source and author for its embedded posts, unless
        `all_passages`. `shown`: the items that may stand for their group (the others only count)."""
        kept: list[Match] = []
        groups: dict[tuple[str, str, str], Match] = {}
        pending: dict[tuple[str, str, str], int] = {}  # items counted before their group's first shown one
        for match in tiered:
            key = _group_key(match)
            if not all_passages and key in groups:
                groups[key].matched_items += 1
                continue
            if shown is not None and match.item_id not in shown:
                pending[key] = pending.get(key, 0) + 1
                continue
            match = replace(match, matched_items=1 + pending.pop(key, 0))
            groups[key] = match
            kept.append(match)
        return kept[:limit]

    def _judged(self, tiered: list[Match], shown: list[Match]) -> list[Match]:
        """What the stance step judges as matches: the shown ones and, in `tiered` order, up to
        HIDDEN_JUDGED more of their sources' passages and authors' posts hidden by the grouping."""
        ids = {m.item_id for m in shown}
        keys = {_group_key(m) for m in shown}
        extra = [m for m in tiered if m.item_id not in ids and _group_key(m) in keys]
        extra_ids = {m.item_id for m in extra[:HIDDEN_JUDGED]}
        return [m for m in tiered if m.item_id in ids or m.item_id in extra_ids]

    def _conflicts(
        self, claim: Claim, matches: list[Match], related: list[Match]
    ) -> tuple[list[Match], list[Conflict]]:
        """Each match's stance; contradicting matches and lower-ranked candidates become conflicts."""
        return judge(claim, matches, related)


def _group_key(match: Match) -> tuple[str, str, str]:
    """The group a match is shown in: its source's passages together; a tweet is a source of its
    own, so posts group per source and author."""
    return match.source_id, match.kind, match.handle if match.kind == "post" else ""


def _anchor(matches: list[Match], conflicts: list[Conflict]) -> None:
    """A conflict against a supporting match points at the first one the report shows (grouping
    came after the stance step), or at the claim itself when the report shows none."""
    first = next((i for i, m in enumerate(matches) if m.stance == "supports"), None)
    for conflict in conflicts:
        if conflict.against is not None:
            conflict.against = first


def too_short(text: str) -> bool:
    """An archived item too short to carry a claim on its own."""
    return len(word_groups(text)) <= SHORT_ITEM_WORDS


def split_sentences(text: str) -> list[str]:
    """The sentences of a pasted paragraph worth verifying on their own (cut
    as archived passages are: storage.passages), or [] when the claim is not
    long enough to need it (a tweet is verified whole)."""
    if len(word_groups(text)) <= SPLIT_MIN_WORDS:
        return []
    parts = [p for p in passage_sentences(text) if len(word_groups(p)) >= SPLIT_MIN_SENTENCE]
    return parts[:SPLIT_MAX] if len(parts) >= 2 else []


def update_index(store: ArchiveStore, *, rebuild: bool = False, aliases: AliasTable | None = None) -> Verifier:
    """Bring the saved index level with the archive now and save it (so the
    next start does no indexing). `rebuild=True` discards the saved index and
    builds it again."""
    if rebuild:
        index_dir = store.index_path()
        if index_dir is not None and (index_dir / "meta.json").exists():
            (index_dir / "meta.json").unlink()
    verifier = Verifier(store, aliases=aliases)
    if verifier.unsaved:
        verifier.save()
    return verifier


# What one forked worker process works with, set once in it by _fork_pool's
# initializer (inherited by fork, never pickled): the alias table, and for a
# verify_many batch the verifier with its limit, min_score and all_passages.
_WorkerState = tuple[AliasTable, "tuple[Verifier, int, float | None, bool] | None"]
_worker: _WorkerState | None = None


def _init_worker(state: _WorkerState) -> None:
    global _worker
    _worker = state
    embeddings.claim_threads(1)  # a forked worker embeds its claims in one OpenMP thread (fork-safe)
    if state[1] is not None:
        state[1][0].crosslang.speculate = False  # a batch: no vector made ahead that may go unused


def _encode_in_worker(docs: list[tuple[str, str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    assert _worker is not None
    return _encode(docs, _worker[0])


def _verify_in_worker(text: str) -> Report:
    assert _worker is not None and _worker[1] is not None
    verifier, limit, min_score, all_passages = _worker[1]
    return verifier.verify(text, limit=limit, min_score=min_score, all_passages=all_passages)


def _fork_pool(workers: int, state: _WorkerState) -> multiprocessing.pool.Pool:
    """Worker processes forked from this one, each holding `state`.
    gc.freeze() first: otherwise the children's garbage collector touches every
    object of the parent (a big archive) and copies its pages."""
    gc.freeze()
    try:
        return multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(state,))
    finally:
        gc.unfreeze()


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _split(items: list, parts: int) -> list[list]:
    step = max(1, -(-len(items) // parts))
    return [items[i:i + step] for i in range(0, len(items), step)]
