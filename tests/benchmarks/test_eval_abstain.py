"""The half-and-half construction of benchmarks/eval_abstain.py."""
from benchmarks.benchdata import Split
from benchmarks.eval_abstain import Outcome, SetResult, halves


def test_tweets_sharing_a_claim_or_its_text_stay_in_one_half():
    qrels = {"q1": {"c1"}, "q2": {"c1"}, "q3": {"c2"}, "q4": {"c3"}, "q5": {"c4"}, "q6": {"c5"}}
    texts = {"c1": "a", "c2": "b", "c3": "b", "c4": "d", "c5": "e"}  # c2 and c3: the same text
    split = Split("dev", {q: q for q in qrels}, qrels)
    archived, removed = halves(split, texts)
    assert sorted(archived + removed) == sorted(qrels)
    for pair in (("q1", "q2"), ("q3", "q4")):
        assert (pair[0] in archived) == (pair[1] in archived)
    assert abs(len(archived) - len(removed)) <= 2
    assert halves(split, texts) == (archived, removed)  # seeded: the same every run


def test_rates_count_strong_and_any_tier_apart():
    result = SetResult(
        "x", "X", 0.0, 0.0,
        archived={"a": Outcome(90, "strong", True), "b": Outcome(40, "possible", True),
                  "c": Outcome(95, "strong", False)},
        removed={"d": Outcome(80, "strong", False), "e": Outcome(40, "possible", False), "f": Outcome(0, "", False)},
        strong_cut=70, possible_cut=30, seconds=0.0,
    )
    kept, wrong, kept_any, wrong_any = result.rates()
    assert (kept, kept_any) == (1 / 3, 2 / 3)
    assert (wrong, wrong_any) == (1 / 3, 2 / 3)
    assert result.rates(50)[:2] == (1 / 3, 1 / 3)
