"""Embeds stay inside Discord's limits with long Arabic texts and many matches."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from bot.discord.digest import Digest, digest_messages
from bot.discord.render import FSI, check_message, report_pages
from storage.records import PartialDate
from verifiers.report import Claim, Conflict, Match, Note, Report, SourceDate
from verifiers.tweet_links import archived_note

LONG_AR = "بعد هروب داعـــش من دير الزور قاموا بقتل كل سجناءهم #سورية " * 120  # ~7000 chars, kashida


def match(i: int) -> Match:
    return Match(score=90 - i, source_id=f"src-{i:012d}", kind="post", item_id=f"src-{i}:t0", text=LONG_AR,
                 title="“جبهة النصرة” تطرد “داعش” من دير الزور " * 10, publisher="نون بوست " * 40,
                 url=f"https://twitter.com/mohsarmini/status/{4330000000 + i}", date=PartialDate(2014, 2, 10),
                 author="محمد سرميني " * 30, handle="mohsarmini", reason="wording 81%, " * 100)


def big_report(n: int) -> Report:
    matches = [match(i) for i in range(n)]
    timeline = [SourceDate(m.source_id, m.title, m.publisher, m.date, "post", m.author, m.handle) for m in matches]
    conflicts = [Conflict(match(i), reason="يقول أنصار التنظيم إنه انسحب حقنا للدماء " * 30, against=0) for i in range(12)]
    return Report(query=LONG_AR, claim=Claim(raw=LONG_AR, text=LONG_AR), matches=matches, conflicts=conflicts,
                  timeline=timeline, recycled_days=3650, notes=["ملاحظة طويلة " * 100] * 8)


def test_many_long_arabic_matches_stay_within_every_limit():
    for lang in ("en", "ar"):
        pages = report_pages(big_report(25), lang)
        assert len(pages) == 9 + 2  # summary + 3 matches, 3 per page, then 8 more conflicts 4 per page
        for page in pages:
            assert check_message(page) == [], page
        shown = sum(1 for page in pages for e in page if e.footer and "src-" in (e.footer.text or ""))
        assert shown == 25  # every match is reachable by paging


def test_arabic_display_drops_kashida_and_isolates_handles():
    page = report_pages(big_report(1), "ar")[0]
    body = page[1].description
    assert "\u0640" not in body and body.startswith("\u200f")  # right-to-left line
    fields = {f.name: f.value for f in page[1].fields}
    assert f"{FSI}@mohsarmini" in fields["الكاتب"]


def test_no_match_report_says_so_plainly():
    report = Report(query="x", claim=Claim(raw="The price of bread", text="The price of bread"))
    (page,) = report_pages(report, "en")
    assert "Nothing in the archive matches." in page[0].description
    assert check_message(page) == []


def test_a_big_digest_spans_several_messages_each_within_limits():
    from datetime import datetime

    digest = Digest(start=None, end=datetime.now(UTC),
                    new_sources=[f"`src-{i}` " + LONG_AR[:300] for i in range(60)],
                    claims=[(LONG_AR[:900], 100 - i, "نون بوست · @mohsarmini") for i in range(40)],
                    conflicts=[LONG_AR[:500]] * 30, unmatched=[(LONG_AR[:700], 2)] * 40)
    messages = digest_messages(digest, "ar")
    assert len(messages) > 1
    for embeds in messages:
        assert check_message(embeds) == []
    text = "\n".join(e.description or "" for m in messages for e in m)
    assert text.count("×") >= 80  # nothing dropped: every claim is listed


def test_verifier_notes_are_worded_in_the_reply_language():
    report = Report(query="https://t.co/x", claim=Claim(raw="https://t.co/x", text=""))
    report.notes = [archived_note(True, "خبر", PartialDate(2014, 2, 10)), Note("unknown_code", "kept as written")]
    arabic = report_pages(report, "ar")[0][0].description
    english = report_pages(report, "en")[0][0].description
    assert "محفوظة في الأرشيف" in arabic and "archived in" not in arabic
    assert "kept as written" in arabic  # a note with no translation is still shown
    assert "this exact tweet is archived in خبر, 2014-02-10" in english


def test_conflict_reasons_are_worded_in_the_reply_language():
    from verifiers.stance import classify

    claim = "انسحب تنظيم داعش من دير الزور حقنا للدماء"
    stance, reason = classify(claim, "طردت جبهة النصرة داعش من دير الزور بعد معارك عنيفة")
    assert stance == "disagree"
    report = Report(query=claim, claim=Claim(raw=claim, text=claim), matches=[match(1)])
    report.conflicts = [Conflict(match(2), reason, against=0)]
    arabic = " ".join(f.value for f in report_pages(report, "ar")[0][0].fields)
    english = " ".join(f.value for f in report_pages(report, "en")[0][0].fields)
    assert "رواية معاكسة" in arabic and "opposite account" not in arabic
    assert "opposite account" in english


def _verdict_report(verdict: str) -> Report:
    claim = "بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء"
    post = Match(score=99, source_id="src-1", kind="post", item_id="src-1:t0",
                 text="بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم", date=PartialDate(2014, 2, 10),
                 handle="mohsarmini", stance="contradicts")
    reason = Note("reversed_act", "the act is reversed: «أطلقوا سراح» in the claim vs «بقتل» in the text",
                  claim="«أطلقوا سراح»", text="«بقتل»")
    report = Report(query=claim, claim=Claim(raw=claim, text=claim), verdict=verdict)
    if verdict == "contradicted":
        report.conflicts = [Conflict(post, reason, against=None)]
    else:
        report.matches = [replace(post, stance="supports", stance_reason=None)]
    return report


def test_the_reply_opens_with_the_verdict_and_its_colour_follows_it():
    from bot.discord.render import GREEN, RED

    (summary, *_), = report_pages(_verdict_report("contradicted"), "en")[:1]
    assert summary.description.startswith(
        "**Contradicted: the archive contradicts this. \u2068@mohsarmini\u2069 wrote, on")
    assert "قاموا بقتل" in summary.description and "«بقتل»" in summary.description
    assert summary.colour.value == RED != GREEN
    fields = " ".join(f.value for f in summary.fields)
    assert "contradicts the claim" in fields
    supported = report_pages(_verdict_report("supported"), "en")[0]
    assert supported[0].colour.value == GREEN and supported[0].description.startswith("**Supported")
    assert "supports the claim" in " ".join(f.value for f in supported[1].fields)


def test_an_arabic_reply_words_the_verdict_and_its_reason_in_arabic():
    page = report_pages(_verdict_report("contradicted"), "ar")[0]
    text = page[0].description + " ".join(f.value for f in page[0].fields)
    assert "مُكذَّب" in text and "الفعل معكوس" in text and "تخالف الادعاء" in text
    for english in ("reversed", "Contradicted", "contradicts", "in the claim"):
        assert english not in text


def test_possible_matches_are_set_apart():
    report = _verdict_report("supported")
    report.matches.append(replace(report.matches[0], item_id="src-2:t0", confidence="possible", stance="related"))
    report.verdict = "supported"
    page = report_pages(report, "en")[0]
    assert "1 possibly related account below" in page[0].description
    assert page[2].footer.text.startswith("Possibly related")
