"""The CLI contract: what scripts and independent evaluation rely on."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"
UNRELATED = "Manchester United won the league cup final on penalties last night"
# Unrelated, but sharing words with the sample ("مدينة", a place name), so it has candidates.
UNRELATED_AR = "ارتفعت أسعار الخبز في مدينة حلب اليوم"
MATCH_KEYS = {"score", "source_id", "kind", "text", "title", "publisher", "url", "date", "author", "handle",
              "confidence", "stance", "stance_reason", "sentence", "matched_items"}


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def run_process(*argv: str, env: dict[str, str] | None = None, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )


@pytest.fixture
def default_home(tmp_path, monkeypatch):
    """Point the user's data directory at a temp dir so the default archive is fresh."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("ISNAD_DB", raising=False)
    return tmp_path / "data"


# --- help, version, errors -------------------------------------------------------


def test_help_and_version_work():
    for argv in (["--help"], ["verify", "--help"], ["ingest", "--help"], ["sources", "--help"], ["--version"]):
        result = run_process(*argv)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()
    assert run_process("--version").stdout.startswith("isnad ")


def test_errors_are_one_line_without_traceback(tmp_path):
    result = run_process("--db", str(tmp_path / "a.json"), "sources", "show", "no-such-id")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no-such-id" in result.stderr and "Traceback" not in result.stderr


def test_corrupt_archive_is_reported_and_left_untouched(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"sources": {"1": {"id": "x", "tit')
    result = run_process("--db", str(path), "verify", SEED_CLAIM)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(path.name) in result.stderr
    assert path.read_bytes() == b'{"sources": {"1": {"id": "x", "tit'


# --- the default archive and explicit paths --------------------------------------


def test_default_archive_holds_the_bundled_sample(default_home):
    code, out = run("sources", "list", "--json")
    assert code == 0
    sources = json.loads(out)
    assert len(sources) == 1
    assert sources[0]["publisher"] == "نون بوست"
    assert sources[0]["posts"] == 5
    assert set(sources[0]) == {"id", "title", "publisher", "date", "url", "posts"}
    assert any((default_home / "isnad").rglob("*.json"))


def test_explicit_new_path_starts_empty(tmp_path):
    code, out = run("--db", str(tmp_path / "new.json"), "sources", "list", "--json")
    assert code == 0 and json.loads(out) == []


def test_isnad_db_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("ISNAD_DB", str(tmp_path / "env.json"))
    seed = tmp_path / "seed.txt"
    seed.write_text(_sample_text(), encoding="utf-8")
    assert run("ingest", str(seed))[0] == 0
    assert (tmp_path / "env.json").exists()
    assert len(json.loads(run("sources", "list", "--json")[1])) == 1


# --- verify ----------------------------------------------------------------------


def test_verify_json_names_the_mohsarmini_tweet(default_home):
    code, out = run("verify", "--json", SEED_CLAIM)
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"query", "matches", "conflicts"}
    assert result["query"] == SEED_CLAIM
    top = result["matches"][0]
    assert set(top) == MATCH_KEYS
    assert top["kind"] == "post" and top["handle"] == "mohsarmini"
    assert top["date"] == "2014-02-10"
    assert 0 <= top["score"] <= 100
    assert [m["score"] for m in result["matches"]] == sorted((m["score"] for m in result["matches"]), reverse=True)
    for conflict in result["conflicts"]:
        assert set(conflict) == MATCH_KEYS | {"reason", "against"}
        assert conflict["against"] is None or 0 <= conflict["against"] < len(result["matches"])
    assert result["verdict"] == "supported" and top["stance"] == "supports"


ALTERED_CLAIM = "بعد هروب داعش من دير الزور أطلقوا سراح كل السجناء"  # the tweet says they killed them


def test_verify_opens_with_the_verdict_and_its_evidence(default_home):
    code, out = run("verify", ALTERED_CLAIM)
    assert code == 0
    first = out.split("\n")[2:5]
    assert first[0] == "Verdict: Contradicted. The archive contradicts this: @mohsarmini wrote, on 2014-02-10:"
    assert "قاموا بقتل" in first[1]  # the evidence as written
    assert "«أطلقوا سراح»" in first[2] and "«بقتل»" in first[2]
    assert "conflicts with the claim" in out
    supported = run("verify", SEED_CLAIM)[1]
    assert "Verdict: Supported." in supported and "supports" in supported


def test_json_of_a_distorted_claim_lists_its_original_as_a_conflict_only(default_home):
    result = json.loads(run("verify", "--json", ALTERED_CLAIM)[1])
    assert result["verdict"] == "contradicted"
    (conflict,) = [c for c in result["conflicts"] if c["handle"] == "mohsarmini"]
    assert conflict["stance"] == "contradicts" and conflict["against"] is None and "«بقتل»" in conflict["reason"]
    assert all(m["handle"] != "mohsarmini" or m["stance"] != "supports" for m in result["matches"])


def test_verify_human_output_names_source_and_date(default_home):
    code, out = run("verify", SEED_CLAIM)
    assert code == 0
    assert "@mohsarmini" in out and "2014-02-10" in out and "نون بوست" in out
    assert "هروب داعش" in out  # logical order: the Arabic is printed as written, not reversed


def test_human_output_shows_each_conflict_with_its_reason(default_home):
    code, out = run("verify", "انسحب تنظيم داعش من دير الزور حقنا للدماء")
    assert code == 0
    conflicts = out[out.index("Conflicting accounts"):]
    assert "conflicts with match 1" in conflicts and "معارك عنيفة" in conflicts


def test_unrelated_claim_gets_a_plain_no_match(default_home):
    code, out = run("verify", UNRELATED)
    assert code == 0 and "No match" in out and out.split("\n")[2].startswith("Verdict: Not found.")
    for claim in (UNRELATED, UNRELATED_AR):
        assert json.loads(run("verify", "--json", claim)[1])["matches"] == [], claim


def test_min_score_zero_returns_top_limit_candidates(default_home):
    # every passage, not one per source: the sample is one article
    result = json.loads(run("verify", "--json", "--min-score", "0", "--limit", "3", "--all-passages", UNRELATED_AR)[1])
    assert len(result["matches"]) == 3


def test_all_passages_lists_each_passage_of_a_source(tmp_path):
    db = str(tmp_path / "a.json")
    sentence = "قام مجهولون بتفجير الجسر الحربي في منطقة حلبية وزلبية الأثرية على ضفتي نهر الفرات"
    article = tmp_path / "a.jsonl"
    article.write_text(json.dumps({"id": "a1", "title": "الجسر", "text": f"{sentence}. وقال شاهد إن {sentence}."},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("--db", db, "ingest", str(article))[0] == 0
    grouped = json.loads(run("--db", db, "verify", "--json", sentence)[1])["matches"]
    assert len(grouped) == 1 and grouped[0]["matched_items"] == 2 and grouped[0]["sentence"] is None
    every = json.loads(run("--db", db, "verify", "--json", "--all-passages", sentence)[1])["matches"]
    assert len(every) == 2 and {m["source_id"] for m in every} == {"a1"}
    human = run("--db", db, "verify", sentence)[1]
    assert "2 passages of this source matched" in human


def test_batch_keeps_order_and_ids(default_home, tmp_path):
    batch = tmp_path / "claims.jsonl"
    lines = [
        json.dumps({"id": "a", "text": SEED_CLAIM}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 7, "text": UNRELATED}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run("verify", "--json", "--batch", str(batch), "--limit", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # one bad line
    assert [r.get("id") for r in rows] == ["a", None, 7]
    assert rows[0]["matches"][0]["handle"] == "mohsarmini" and len(rows[0]["matches"]) <= 2
    assert "line 2" in rows[1]["error"]
    assert rows[2]["matches"] == []


def test_batch_with_links_offline_matches_archived_links_and_never_fetches(default_home, tmp_path):
    batch = tmp_path / "claims.jsonl"
    claims = [
        {"id": "tco", "text": "رتل من الجيش الحر https://t.co/oACHNsTm9h"},  # carried by @THAERSORY's archived tweet
        {"id": "gone", "text": "https://twitter.com/ghost/status/433164754744369999"},  # not archived
        {"id": "plain", "text": SEED_CLAIM},
    ]
    batch.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in claims) + "\n", encoding="utf-8")
    code, out = run("verify", "--json", "--offline", "--batch", str(batch))
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0 and list(rows) == ["tco", "gone", "plain"]
    assert rows["tco"]["matches"][0]["handle"] == "THAERSORY" and rows["tco"]["matches"][0]["score"] == 100
    assert any("appears in an archived tweet by @THAERSORY" in n for n in rows["tco"]["notes"])
    assert rows["gone"]["matches"] == [] and any("fetching from the web is off" in n for n in rows["gone"]["notes"])
    assert rows["plain"]["matches"][0]["handle"] == "mohsarmini"


def test_oversized_claim_is_refused(default_home):
    result = run_process("verify", "دير الزور " * 5000, env={"XDG_DATA_HOME": str(default_home)})
    assert result.returncode == 1 and "limit" in result.stderr


# --- sources ---------------------------------------------------------------------


def test_sources_show_json_contract(default_home):
    source_id = json.loads(run("sources", "list", "--json")[1])[0]["id"]
    code, out = run("sources", "show", source_id, "--json")
    shown = json.loads(out)
    assert code == 0
    assert set(shown) == {
        "id", "title", "publisher", "author", "date", "url", "lang",
        "added_by", "added_at", "passages", "posts",
    }
    assert shown["date"] == "2014-02"
    assert all(set(p) == {"text"} for p in shown["passages"])
    handles = {p["handle"] for p in shown["posts"]}
    assert handles == {"mohsarmini", "syria_omar", "THAERSORY", "zaidbenjamin", "AnasSouri0"}
    assert all(set(p) == {"author", "handle", "date", "text", "urls", "status_url"} for p in shown["posts"])


def test_sources_remove_then_verify_finds_nothing(default_home):
    source_id = json.loads(run("sources", "list", "--json")[1])[0]["id"]
    code, out = run("sources", "remove", source_id)
    assert code == 0 and source_id in out
    assert json.loads(run("verify", "--json", SEED_CLAIM)[1])["matches"] == []
    assert run("sources", "remove", source_id)[0] == 1


# --- ingest ----------------------------------------------------------------------


def test_ingest_reports_added_and_skipped(tmp_path):
    db = str(tmp_path / "a.json")
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        json.dumps({"id": "x1", "title": "Bridge", "text": "Unknown men blew up the old bridge in Deir ez-Zor."})
        + "\n[1, 2]\n",
        encoding="utf-8",
    )
    code, out = run("--db", db, "ingest", str(jsonl))
    assert code == 1  # a line failed: the good one is added, and a script is told
    assert "added x1" in out and "in.jsonl:2: expected a JSON object" in out
    code, out = run("--db", db, "ingest", str(jsonl))
    assert "0 source(s) added" in out  # re-import adds nothing


def test_ingest_saves_the_index_beside_the_archive(tmp_path):
    db = tmp_path / "a.json"
    seed = tmp_path / "seed.txt"
    seed.write_text(_sample_text(), encoding="utf-8")
    assert run("--db", str(db), "ingest", str(seed))[0] == 0
    index = tmp_path / "a.json.index"
    assert index.is_dir() and any(index.iterdir())  # indexed now, not at the next verify
    saved = {p.name: p.stat().st_mtime_ns for p in index.iterdir()}
    result = json.loads(run("--db", str(db), "verify", "--json", SEED_CLAIM)[1])
    assert result["matches"][0]["handle"] == "mohsarmini"
    assert {p.name: p.stat().st_mtime_ns for p in index.iterdir()} == saved  # loaded, not rebuilt


def test_ingest_is_quiet_when_piped(tmp_path):
    seed = tmp_path / "seed.txt"
    seed.write_text(_sample_text(), encoding="utf-8")
    result = run_process("--db", str(tmp_path / "a.json"), "ingest", str(seed))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar on a pipe
    assert "5 posts" in result.stdout


# --- stance ----------------------------------------------------------------------


def test_stance_batch_contract(tmp_path):
    batch = tmp_path / "pairs.jsonl"
    pairs = [
        {"id": 1, "claim": "انسحب تنظيم داعش من دير الزور", "text": "انسحب تنظيم داعش من دير الزور"},
        {"id": 2, "claim": "انسحب تنظيم داعش من دير الزور", "text": "نفى تنظيم داعش انسحابه من دير الزور"},
    ]
    batch.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in pairs) + "\n", encoding="utf-8")
    code, out = run("stance", "--json", "--batch", str(batch))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["id"] for r in rows] == [1, 2]
    assert all(set(r) == {"id", "stance", "reason"} for r in rows)
    assert rows[0]["stance"] == "agree" and rows[1]["stance"] == "disagree"
    assert rows[1]["reason"]


def test_stance_reads_the_meaning_with_the_multilingual_extra(tmp_path):
    from verifiers import embeddings, stance

    if not (embeddings.available() and stance.meaning_available()):
        pytest.skip(embeddings.MISSING)
    # "wins" vs "loses" is in no lexicon: only a model that knows the words tells them apart
    pair = {"id": 1, "claim": "المغرب يفوز على الجزائر في كرة القدم", "text": "المغرب يخسر أمام الجزائر في كرة القدم"}
    batch = tmp_path / "pairs.jsonl"
    batch.write_text(json.dumps(pair, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out = run("stance", "--json", "--batch", str(batch))
    assert code == 0 and json.loads(out)["stance"] == "disagree"


def _sample_text() -> str:
    from storage.sample import SAMPLE_PATH

    return Path(SAMPLE_PATH).read_text(encoding="utf-8")


# --- aliases ---------------------------------------------------------------------


def test_alias_add_lets_an_english_claim_find_the_arabic_post(default_home):
    claim = "The ancient Halabiyeh and Zalabiyeh site"
    assert json.loads(run("verify", "--json", claim)[1])["matches"] == []
    assert run("alias", "add", "halabiya", "Halabiyeh", "حلبية", "--kind", "place")[0] == 0
    code, out = run("alias", "add", "zalabiya", "Zalabiyeh", "زلبية", "--kind", "place")
    assert code == 0 and "Zalabiyeh" in out
    after = json.loads(run("verify", "--json", claim)[1])["matches"]
    assert after and after[0]["handle"] == "syria_omar"
    assert "Halabiyeh" in run("alias", "list")[1]


def test_alias_add_new_concept_needs_a_kind(default_home):
    assert run("alias", "add", "new_thing", "something")[0] == 1
    assert run("alias", "add", "new_thing", "something", "--kind", "event")[0] == 0


# --- tweet links -----------------------------------------------------------------

OEMBED_HTML = (
    '<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">بعد هروب داعش من دير الزور قاموا بقتل كل '
    "سجناءهم .. لا ذمة لهم ولا دين</p>&mdash; Someone (@recycler) "
    '<a href="https://twitter.com/recycler/status/1234567890123456789">March 3, 2020</a></blockquote>'
)


@pytest.fixture
def oembed_config(tmp_path, httpserver):
    config = tmp_path / "config.toml"
    config.write_text(
        "[fetch]\nallow_loopback = true\nretries = 0\n"
        f'oembed_url = "{httpserver.url_for("/oembed")}"\n',
        encoding="utf-8",
    )
    return str(config)


def test_tweet_link_of_an_archived_post_is_an_exact_match(default_home):
    result = json.loads(run("verify", "--json", "https://t.co/oACHNsTm9h")[1])
    assert result["matches"][0]["handle"] == "THAERSORY" and result["matches"][0]["score"] == 100
    assert "archived" in result["notes"][0]


def test_tweet_link_not_archived_is_fetched_and_its_text_verified(default_home, oembed_config, httpserver):
    tweet = "https://x.com/recycler/status/1234567890123456789?s=20"
    httpserver.expect_request("/oembed").respond_with_json(
        {"author_name": "Someone", "author_url": "https://twitter.com/recycler", "html": OEMBED_HTML, "url": tweet}
    )
    result = json.loads(run("--config", oembed_config, "verify", "--json", tweet)[1])
    assert result["query"] == tweet
    assert result["matches"][0]["handle"] == "mohsarmini"
    assert result["recycled"] > 2000  # a 2020 tweet retelling a February 2014 account
    assert result["first_seen"]["date"] == "2014-02-10"
    assert any("@recycler" in note for note in result["notes"])


def test_deleted_tweet_asks_for_the_text(default_home, oembed_config, httpserver):
    httpserver.expect_request("/oembed").respond_with_data("gone", status=404)
    code, out = run("--config", oembed_config, "verify", "https://twitter.com/x/status/1234567890123456789")
    assert code == 0
    assert "could not fetch the tweet" in out and "paste its text" in out


# --- PostgreSQL --------------------------------------------------------------------


def test_migrate_to_postgres_then_verify_there(default_home, tmp_path):
    from tests.pg import fresh_database

    run("sources", "list")  # creates the default archive with the sample
    archive = next((default_home / "isnad").glob("archive.json"))
    with fresh_database() as url:
        code, out = run("migrate", "--from", str(archive), "--to", url)
        assert code == 0 and "verified" in out
        result = json.loads(run("--db", url, "verify", "--json", SEED_CLAIM)[1])
        assert result["matches"][0]["handle"] == "mohsarmini"
        code, out = run("migrate", "--from", str(archive), "--to", url)  # not empty any more
        assert code == 1


def test_run_takes_its_config_before_or_after_the_command():
    from bot.cli import build_parser

    assert build_parser().parse_args(["run", "--config", "a.toml"]).config == Path("a.toml")
    assert build_parser().parse_args(["--config", "b.toml", "run"]).config == Path("b.toml")
    assert build_parser().parse_args(["run"]).config is None


def test_ingest_urls_skips_pages_already_archived_and_reports_refusals(tmp_path, oembed_config, httpserver):
    from tests.storage.test_import_html import ARTICLE, NO_META

    for path, body in (("/story", ARTICLE), ("/copy", ARTICLE), ("/other", NO_META)):  # /copy: same canonical URL
        httpserver.expect_request(path).respond_with_data(body.encode("utf-8"), content_type="text/html; charset=utf-8")
    db = str(tmp_path / "urls.json")
    code, out = run("--db", db, "--config", oembed_config, "ingest",
                    httpserver.url_for("/story"), httpserver.url_for("/other"))
    assert code == 0 and out.count("\nadded ") + out.startswith("added ") == 2 and "2 source(s) added" in out
    code, out = run("--db", db, "--config", oembed_config, "ingest", httpserver.url_for("/story"),
                    httpserver.url_for("/copy"), httpserver.url_for("/other") + "/?utm_source=x",
                    "http://169.254.169.254/latest/meta-data/")
    assert code == 1 and "0 source(s) added" in out
    assert out.count("already archived as") == 3  # by the asked URL, the canonical URL, a tracking-free spelling
    assert "cloud metadata" in out  # refused with the reason; the run went on
    assert len(json.loads(run("--db", db, "sources", "list", "--json")[1])) == 2


def test_an_archived_url_is_skipped_as_a_duplicate_like_an_archived_file(tmp_path, oembed_config, httpserver):
    from tests.storage.test_import_html import ARTICLE, NO_META

    for path, body in (("/story", ARTICLE), ("/other", NO_META)):
        httpserver.expect_request(path).respond_with_data(body.encode("utf-8"), content_type="text/html; charset=utf-8")
    db = str(tmp_path / "a.json")
    seed = tmp_path / "seed.txt"
    seed.write_text(_sample_text(), encoding="utf-8")
    code, out = run("--db", db, "--config", oembed_config, "ingest", httpserver.url_for("/story"), str(seed))
    assert code == 0 and "2 source(s) added" in out
    # Archived already, as a page and as a file, beside one new page: nothing failed.
    code, out = run("--db", db, "--config", oembed_config, "ingest", httpserver.url_for("/story"), str(seed),
                    httpserver.url_for("/other"))
    assert "1 source(s) added" in out and out.count("already archived as") == 2
    assert code == 0, out


def test_ingest_url_says_when_an_embedded_tweets_shown_date_was_corrected(tmp_path, oembed_config, httpserver):
    from tests.storage.test_import_html import ARTICLE

    wrong = ARTICLE.replace("February 11, 2014", "March 3, 2015")  # the status id says 11 February 2014
    httpserver.expect_request("/story").respond_with_data(wrong.encode("utf-8"), content_type="text/html")
    done = run_process("--db", str(tmp_path / "a.json"), "--config", oembed_config, "ingest",
                       httpserver.url_for("/story"))
    assert done.returncode == 0 and "1 source(s) added" in done.stdout
    assert "2015-03-03" in done.stderr  # the importer's note reaches the user
def test_chat_answers_each_claim_with_its_verdict_first(default_home):
    result = run_process("chat", stdin=f"{ALTERED_CLAIM}\n{SEED_CLAIM}\n\n")
    assert result.returncode == 0, result.stderr
    answers = [block for block in result.stdout.split("Claim: ") if block.strip()]
    assert len(answers) == 2
    assert answers[0].split("\n")[2].startswith("Verdict: Contradicted. The archive contradicts this: @mohsarmini")
    assert answers[1].split("\n")[2].startswith("Verdict: Supported. The archive carries this claim: @mohsarmini")
