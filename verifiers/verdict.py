"""The one-word answer for a whole report, and the one piece of evidence behind it.

- supported: a strong match supports the claim and nothing contradicts it;
- contradicted: the closest accounts contradict it and no strong match supports it;
- disputed: archived accounts both support it (a strong match) and contradict it;
- related: accounts of the same event that neither support nor contradict it (or only possible
  matches, which are not evidence enough to call it supported);
- not_found: nothing relevant.
"""
from __future__ import annotations

from verifiers.report import Conflict, Match, Report, Verdict


def decide(matches: list[Match], conflicts: list[Conflict]) -> Verdict:
    supported = any(m.stance == "supports" and m.confidence == "strong" for m in matches)
    if conflicts:
        return "disputed" if supported else "contradicted"
    if supported:
        return "supported"
    return "related" if matches else "not_found"


def evidence(report: Report) -> Match | Conflict | None:
    """What the verdict rests on: the first conflict for a contradicted or disputed claim, the first
    supporting strong match for a supported one, the best match for a related one."""
    if report.verdict in ("contradicted", "disputed") and report.conflicts:
        return report.conflicts[0]
    if report.verdict == "supported":
        return next((m for m in report.matches if m.stance == "supports" and m.confidence == "strong"), None)
    if report.verdict == "related":
        return report.matches[0] if report.matches else None
    return None
