"""Stance of a text toward a claim: agree (the same account), disagree (a conflicting account),
or other (related but neither), with a reason a user can check.

Two layers:
- cues a user can verify, found by rule: a denial or negation on one side only, opposite
  predicates from the alias table (طُرد "was expelled" vs انسحب حقنا للدماء "withdrew to spare blood"),
  a different actor for the same event, a different number or year;
- a small linear model trained on ANS (benchmarks/train_stance.py), whose weights ship as
  verifiers/data/stance_model.json and whose prediction is plain Python here (no scikit-learn).

The cues name what differs; the model weighs the evidence for wording changes the rules
cannot list (ارتفاع vs انخفاض). A long text is first narrowed to its sentences closest to the claim.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from verifiers import aliases, antonyms
from verifiers.aliases import fold
from verifiers.normalize import is_arabic, normalize, stems
from verifiers.report import Note

Stance = Literal["agree", "disagree", "other"]
LABELS: tuple[Stance, ...] = ("agree", "disagree", "other")
MODEL_PATH = Path(__file__).parent / "data" / "stance_model.json"
# The same model with the meaning of both texts as features (multilingual-e5 vectors, the optional
# `multilingual` extra): used when the caller gives both texts' vectors (`isnad stance`, through
# verifiers/meaning.py; `isnad verify` keeps the word model, docs/verdicts.md says why).
E5_MODEL_PATH = Path(__file__).parent / "data" / "stance_model_e5.json"
Vectors = tuple[np.ndarray, np.ndarray]  # (claim, text), unit vectors of verifiers.embeddings

# --- cue vocabularies (normalized forms: ة->ه, أ/إ/آ->ا, ى->ي) --------------------------------
# Words that deny the rest of the sentence.
NEGATORS = frozenset(
    "لم لن لا ليس ليست لسنا ليسوا ما غير عدم دون بدون not no never nor cannot none neither without".split()
)
# ...but not these, which only look like a clitic + ما: "when" (لما in dialect), "as", "while", "what"
NOT_NEGATORS = frozenset("لما بما كما مما فيما عما ربما انما طالما كلما بينما وما فما".split())
QUESTION_WORDS = frozenset("هو هي هم هن هذا هذه الذي التي اهم ابرز".split())
# Words that deny another account outright; they count even far from the shared words.
DENIALS = frozenset(
    """نفي نفت ينفي تنفي نفوا ينفون نفيا تكذيب كذب كذبت يكذب تكذب مفبرك مفبركه
    مزاعم مزعوم زعم ادعاءات ادعاء ينفيان denied denies deny denial false fake hoax rumor rumour rumors
    rumours fabricated debunked untrue baseless""".split()
)
DENIAL_PHRASES = ("لا صحه", "عار عن الصحه", "عاري عن الصحه", "غير صحيح", "غير صحيحه", "no truth", "not true")
_NUMBER_WORDS = {
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنان": 2, "اثنتين": 2, "اثنتان": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4,
    "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثماني": 8, "ثمانيه": 8,
    "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10, "عشرين": 20, "عشرون": 20, "مئه": 100, "مائه": 100,
    "الف": 1000, "مليون": 1_000_000,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twenty": 20, "hundred": 100, "thousand": 1000, "million": 1_000_000,
}
_CLITIC = re.compile(r"^(وال|بال|كال|فال|لل|ال|و|ف|ب|ل)(?=\w\w)")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?؟؛\n])\s+|\n+")


@dataclass
class Cue:
    """One checkable difference between claim and text."""

    kind: str  # denial | negation | reversed | undoing | opposite | swap | actor | place | attribution | number | date
    reason: Note
    strength: float  # how surely it alone means "disagree" (0..1)


@dataclass
class Features:
    overlap: float  # share of the claim's stems found in the text
    overlap_text: float  # share of the text's stems found in the claim
    shared: int
    cues: list[Cue] = field(default_factory=list)
    # share of the claim found in the text once the differing words are set aside: high when the text
    # tells the same event and only the cue's words differ (a distortion), low for another event
    aligned: float = 0.0


# --- helpers -------------------------------------------------------------------------------------
# A claim meets many texts and a text is compared several times (cues, features): the scans are cached.
@lru_cache(maxsize=4096)
def _mention_tuple(text: str) -> tuple[aliases.Mention, ...]:
    return tuple(aliases.mentions(text))


def _mentions(text: str) -> list[aliases.Mention]:
    return list(_mention_tuple(text))


@lru_cache(maxsize=4096)
def _act_tuple(text: str) -> tuple[aliases.Mention, ...]:
    return tuple(antonyms.acts(text))


def _acts(text: str) -> list[aliases.Mention]:
    return list(_act_tuple(text))


def _words(text: str) -> list[str]:
    return normalize(text).split()


def _bare(word: str) -> str:
    return _CLITIC.sub("", word)


def _numbers(words: list[str]) -> set[int]:
    out = set()
    for w in words:
        if w.isdigit() and len(w) <= 9:
            out.add(int(w))
        else:
            n = _NUMBER_WORDS.get(w) or _NUMBER_WORDS.get(_bare(w))
            if n:
                out.add(n)
    return out


def _has_denial(words: list[str], text_norm: str) -> str | None:
    for w in words:
        if w in DENIALS or _bare(w) in DENIALS:
            return w
    for phrase in DENIAL_PHRASES:
        if phrase in text_norm:
            return phrase
    return None


def _negations(words: list[str], other_stems: set[str], other_concepts: set[str]) -> list[str]:
    """Negators that deny something the other side says: the next content word is shared (or another
    form of a shared word: لم يفجروا denies بتفجير)."""
    found = []
    families = set().union(*(_family(s) for s in other_stems)) if other_stems else set()
    question = bool(words) and words[-1].endswith(("؟", "?"))
    for i, w in enumerate(words):
        if w not in NEGATORS and (_bare(w) not in NEGATORS or w in NOT_NEGATORS):
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w == "ما" and (nxt in QUESTION_WORDS or not nxt or question):  # "ما هو" asks, it does not deny
            continue
        if w == "دون" and nxt.isdigit():  # "دون 74 دولارا": below, not without
            continue
        following = next((x for x in words[i + 1:i + 4] if stems(x)), None)
        if following is None:
            continue
        fstems = set(stems(following))
        if (fstems & other_stems or set(aliases.concept_tokens(following)) & other_concepts
                or any(_family(x) & families for x in fstems)):
            found.append(f"{w} {following}")
    return found


def _quote(s: str) -> str:
    return f"«{s}»"


# --- cues ----------------------------------------------------------------------------------------
def cues(claim: str, text: str) -> Features:
    """The checkable differences between a claim and a text (already narrowed to the relevant part)."""
    cw, tw = _words(claim), _words(text)
    cm, tm = _mentions(claim), _mentions(text)
    cc = {aliases.PREFIX + m.concept for m in cm}
    tc = {aliases.PREFIX + m.concept for m in tm}
    cs, ts = set(stems(claim)), set(stems(text))
    # concepts count as shared words, so an English claim meets its Arabic account
    shared = (cs | cc) & (ts | tc)
    cs_all, ts_all = cs | cc, ts | tc
    if is_arabic(claim) != is_arabic(text):  # across languages only the concepts can be shared
        cs_all, ts_all = cc, tc
    feats = Features(
        overlap=len(shared) / max(1, len(cs_all)),
        overlap_text=len(shared) / max(1, len(ts_all)),
        shared=len(shared),
    )

    # a denial word on one side only
    cd, td = _has_denial(cw, " ".join(cw)), _has_denial(tw, " ".join(tw))
    c_neg, t_neg = any(w in NEGATORS for w in cw), any(w in NEGATORS for w in tw)
    if (td and c_neg) or (cd and t_neg):  # "تنفي وجود أدلة" tells what "عدم وجود أدلة" tells
        cd = td = None
    if td and not cd:
        words = _quote(_as_written(td, text))
        feats.cues.append(Cue("denial", Note("denial_in_text", f"the text denies it: {words}", words=words), 0.9))
    elif cd and not td:
        words = _quote(_as_written(cd, claim))
        reason = Note("denial_in_claim", f"the claim is a denial ({words}) and the text is not", words=words)
        feats.cues.append(Cue("denial", reason, 0.9))

    # a negation of shared content on one side only
    cn, tn = _negations(cw, ts, tc), _negations(tw, cs, cc)
    if any(w in NEGATORS for w in cw) and any(w in NEGATORS for w in tw):
        cn = tn = []  # both sides negate something: no side alone denies the other
    if tn and not cn:
        words = _quote(_as_written(tn[0], text))
        note = Note("negation_in_text", f"a negation in the text: {words}", words=words)
        feats.cues.append(Cue("negation", note, 0.8))
    elif cn and not tn:
        words = _quote(_as_written(cn[0], claim))
        note = Note("negation_in_claim", f"a negation in the claim: {words}", words=words)
        feats.cues.append(Cue("negation", note, 0.8))

    # opposite predicates (alias table "opposes"): two versions of one party's leaving (طُرد vs انسحب حقنا
    # للدماء). When the claim has someone else leave, that is what differs (_role_cues names who).
    table = aliases.table()
    c_leaver, t_leaver = _leaver(_specific(cm)), _leaver(_specific(tm))
    other_leaver = c_leaver is not None and t_leaver is not None and c_leaver.concept != t_leaver.concept
    for a in ([] if other_leaver else cm):
        if a.kind != "event":
            continue
        for b in tm:
            if (aliases.PREFIX + b.concept not in cc and aliases.PREFIX + a.concept not in tc
                    and table.opposes(a.concept, b.concept)):
                mine, theirs = _quote(a.surface), _quote(b.surface)
                text_ = f"opposite account: {mine}{_gloss(a)} in the claim vs {theirs}{_gloss(b)} in the text"
                feats.cues.append(Cue("opposite", Note("opposite_account", text_, claim=mine, text=theirs), 0.9))
                break
        if feats.cues and feats.cues[-1].kind == "opposite":
            break

    # a different actor for the same event: a group next to the shared event word on each side
    # (within ACTOR_WINDOW words), present on one side only. Broader groups (الثوار) never clash.
    shared_events = _acts_of(cm) & _acts_of(tm)
    c_actors = _actors(cm, shared_events)
    t_actors = _actors(tm, shared_events)
    all_c = {m.concept for m in cm if m.kind == "group"}
    all_t = {m.concept for m in tm if m.kind == "group"}
    only_c = [c for c in c_actors if c not in all_t]
    only_t = [c for c in t_actors if c not in all_c]
    # ...at the same place: an actor elsewhere (the Conoco field vs ISIS headquarters) is another event
    c_places = {m.concept for m in _specific(cm) if m.kind == "place"}
    if only_c and only_t and c_places <= {m.concept for m in tm}:
        theirs, mine = _quote(t_actors[only_t[0]]), _quote(c_actors[only_c[0]])
        text_ = f"a different actor: {theirs} in the text vs {mine} in the claim"
        feats.cues.append(Cue("actor", Note("different_actor", text_, claim=mine, text=theirs), 0.8))

    # a different number or year
    cnums, tnums = _numbers(cw), _numbers(tw)
    if cnums and tnums and not (cnums & tnums):
        years_c = {n for n in cnums if 1900 <= n <= 2100}
        years_t = {n for n in tnums if 1900 <= n <= 2100}
        kind = "date" if years_c and years_t else "number"
        n_c, n_t = sorted(years_c or cnums)[0], sorted(years_t or tnums)[0]
        what = "year" if kind == "date" else "number"
        text_ = f"a different {what}: {n_c} in the claim vs {n_t} in the text"
        feats.cues.append(Cue(kind, Note(f"different_{what}", text_, claim=str(n_c), text=str(n_t)), 0.6))

    cacts, tacts = _acts(claim), _acts(text)
    # an act whose word the other side also has in another form (صعوده for الصعود) is not reversed
    c_fam = set().union(*(_family(x) for x in cs)) if cs else set()
    t_fam = set().union(*(_family(x) for x in ts)) if ts else set()
    cacts = [m for m in cacts if not _told(m, t_fam)]
    tacts = [m for m in tacts if not _told(m, c_fam)]
    # ...nor is an act done by someone else ("the Free Army entered" vs "ISIS withdrew": both can be true)
    flips = [r for r in antonyms.reversals(cacts, tacts)
             if not _other_actor(_actor_at(cm, r.claim_span), _actor_at(tm, r.text_span))]
    if flips:
        r = flips[0]
        mine, theirs = _quote(r.claim_words), _quote(r.text_words)
        text_ = f"the act is reversed: {mine} in the claim vs {theirs} in the text"
        feats.cues.append(Cue("reversed", Note("reversed_act", text_, claim=mine, text=theirs), 0.9))
    if not flips:
        _one_sided_cue(feats, cacts, tacts, claim, text)
    _role_cues(feats, cm, tm)
    _place_cue(feats, cm, tm)
    _attribution_cue(feats, cm, tm, claim, text)
    # A negation and a reversed act on the same side cancel out: "لم ينخفض" tells what "ارتفع" tells.
    kinds = {c.kind for c in feats.cues}
    if "reversed" in kinds and "negation" in kinds:
        feats.cues = [c for c in feats.cues if c.kind not in ("reversed", "negation")]
    differing = [c.reason.params.get("claim", "").strip("«»") for c in feats.cues]
    differing += [c.reason.params["words"].strip("«»") for c in feats.cues if c.kind == "undoing"
                  and c.reason.code == "undoing_in_claim"]
    feats.aligned = _aligned(claim, text, cs | cc, ts | tc, [w for w in differing if w], cross=cs_all == cc)
    return feats


def _actor_at(mentions: list[aliases.Mention], span: tuple[int, int]) -> aliases.Mention | None:
    """The group or person nearest to an act (within ACTOR_WINDOW words), its likely doer or target."""
    near = []
    for m in _specific(mentions):
        if m.kind not in _ACTOR_KINDS:
            continue
        gap = span[0] - m.end if m.end <= span[0] else m.start - span[1]
        if 0 <= gap <= ACTOR_WINDOW:
            near.append((gap, m))
    return min(near, key=lambda x: x[0])[1] if near else None


def _other_actor(a: aliases.Mention | None, b: aliases.Mention | None) -> bool:
    if a is None or b is None or a.concept == b.concept:
        return False
    concepts = aliases.table().concepts
    broader_a = concepts[a.concept].broader if a.concept in concepts else []
    broader_b = concepts[b.concept].broader if b.concept in concepts else []
    return a.concept not in broader_b and b.concept not in broader_a  # النصرة is one of الثوار


def _told(act: aliases.Mention, families: set[str]) -> bool:
    """The other side has this act's word too, in another form."""
    return any(_family(x) & families for x in stems(act.surface))


def _aligned(claim: str, text: str, claim_terms: set[str], text_terms: set[str], differing: list[str],
             *, cross: bool) -> float:
    """Share of the claim's stems and concepts found in the text, the reversed act's words left out."""
    skip = {s for words in differing for s in stems(words)}
    skip |= set(aliases.concept_tokens(" ".join(differing)))
    if cross:  # across languages only concepts can be compared
        claim_terms = {t for t in claim_terms if t.startswith(aliases.PREFIX)}
    mine = claim_terms - skip
    found = mine & text_terms
    words = [t for t in text_terms if not t.startswith(aliases.PREFIX)]
    families = set().union(*(_family(t) for t in words)) if words else set()
    found |= {t for t in mine - found if not t.startswith(aliases.PREFIX) and _family(t) & families}
    return len(found) / max(1, len(mine))


# Acts that deny or undo the rest of the sentence ("تفشل في", "ترفض", "توقف", "تتجاهل"): named on one side
# only, they turn the same words into the opposite account
UNDOING_ACTS = frozenset({"lose", "reject", "stop", "ban"})


def _negated(act: aliases.Mention, tokens: list[str]) -> bool:
    """"لا يعني انتهاء": a negator among the two words before the act undoes the undoing."""
    return any(normalize(w) in NEGATORS for w in tokens[max(0, act.start - 2):act.start])


def _one_sided_cue(feats: Features, cacts: list[aliases.Mention], tacts: list[aliases.Mention],
                   claim: str, text: str) -> None:
    c_ids, t_ids = {m.concept for m in cacts}, {m.concept for m in tacts}
    sides = ((cacts, t_ids, "claim", claim, text), (tacts, c_ids, "text", text, claim))
    for mine, theirs, where, said, other in sides:
        if any(w in NEGATORS for w in _words(other)):  # "منع النساء" tells what "لا نساء" tells
            continue
        tokens = re.findall(r"[^\W_]+", fold(said))
        # "لمنع الغش", "لوقف الهجمات": to stop, a purpose, not a denial of what happened
        act = next((m for m in mine if m.concept in UNDOING_ACTS and m.concept not in theirs
                    and not fold(m.surface).startswith("ل") and not _negated(m, tokens)), None)
        if act is not None:
            words = _quote(act.surface)
            note = Note(f"undoing_in_{where}", f"only the {where} says {words}", words=words)
            feats.cues.append(Cue("undoing", note, 0.8))
            return


_ACTOR_KINDS = ("group", "person")
LEAVE_ACTS = frozenset({"withdraw", "flight"})  # alias-table events whose actor is the one who leaves
EXPEL_ACTS = frozenset({"expel"})  # ... whose object is
SYMMETRIC_ACTS = frozenset({"fierce_fighting"})  # A fights B is B fights A


def _specific(mentions: list[aliases.Mention]) -> list[aliases.Mention]:
    """One mention per span: the most specific concept (the table lists broader ones after it)."""
    seen: set[tuple[int, int]] = set()
    out = []
    for m in mentions:
        if (m.start, m.end) not in seen:
            seen.add((m.start, m.end))
            out.append(m)
    return out


def _leaver(mentions: list[aliases.Mention]) -> aliases.Mention | None:
    """Who left, by this text: the object of an expulsion, else the actor of a withdrawal or flight."""
    actors = [m for m in mentions if m.kind in _ACTOR_KINDS]
    for act in mentions:
        if act.concept in EXPEL_ACTS:
            after = [a for a in actors if 0 <= a.start - act.end <= ACTOR_WINDOW]
            if after:
                return after[-1]
    for act in mentions:
        if act.concept in LEAVE_ACTS:
            near = sorted((a for a in actors if -ACTOR_WINDOW <= a.start - act.end <= ACTOR_WINDOW
                           or 0 <= act.start - a.end <= ACTOR_WINDOW),
                          key=lambda a: (a.start < act.start, abs(a.start - act.end)))
            if near:
                return near[0]
    return None


def _role_cues(feats: Features, cm: list[aliases.Mention], tm: list[aliases.Mention]) -> None:
    """The same actors in swapped roles: who did it to whom, who left and who stayed."""
    cm, tm = _specific(cm), _specific(tm)
    c_actors = {m.concept for m in cm if m.kind in _ACTOR_KINDS}
    t_actors = {m.concept for m in tm if m.kind in _ACTOR_KINDS}
    lc, lt = _leaver(cm), _leaver(tm)
    if lc is not None and lt is not None and lc.concept != lt.concept and (
            lc.concept in t_actors or lt.concept in c_actors):
        mine, theirs = _quote(lc.surface), _quote(lt.surface)
        text_ = f"someone else had to leave: {mine} in the claim, {theirs} in the text"
        feats.cues.append(Cue("swap", Note("swapped_roles", text_, claim=mine, text=theirs), 0.85))
        return
    # "A expels B" vs "B expels A": both actors on both sides, the shared act between them, order reversed
    both = c_actors & t_actors
    if len(both) < 2:
        return
    c_order = [m for m in cm if m.concept in both]
    t_order = [m for m in tm if m.concept in both]
    c_seq = list(dict.fromkeys(m.concept for m in c_order))
    t_seq = list(dict.fromkeys(m.concept for m in t_order))
    if len(c_seq) != 2 or c_seq != t_seq[::-1]:
        return
    # the same act between the two actors on both sides ("fighting with" is mutual: it never swaps)
    def between(mentions: list[aliases.Mention], order: list[aliases.Mention]) -> set[str]:
        return {m.concept for m in mentions if m.kind == "event" and m.concept not in SYMMETRIC_ACTS
                and order[0].end <= m.start < order[-1].start}

    if between(cm, c_order) & between(tm, t_order):
        first = next(m for m in c_order if m.concept == c_seq[0])
        other = next(m for m in t_order if m.concept == t_seq[0])
        mine, theirs = _quote(first.surface), _quote(other.surface)
        text_ = f"the roles are swapped: the claim puts {mine} first, the text {theirs}"
        feats.cues.append(Cue("swap", Note("swapped_order", text_, claim=mine, text=theirs), 0.8))


def _place_cue(feats: Features, cm: list[aliases.Mention], tm: list[aliases.Mention]) -> None:
    """Another place for the same act: places on both sides, none in common (broader ones count)."""
    cp = {m.concept: m.surface for m in cm if m.kind == "place"}
    tp = {m.concept: m.surface for m in tm if m.kind == "place"}
    if not cp or not tp or set(cp) & set(tp):
        return
    if not _acts_of(cm) & _acts_of(tm):
        return
    mine, theirs = _quote(next(iter(cp.values()))), _quote(next(iter(tp.values())))
    text_ = f"a different place: {mine} in the claim vs {theirs} in the text"
    feats.cues.append(Cue("place", Note("different_place", text_, claim=mine, text=theirs), 0.7))


SAY_WORDS = frozenset(
    """قال قالت قالوا يقول تقول اكد اكدت يؤكد تؤكد اعلن اعلنت يعلن تعلن صرح صرحت افاد افادت ذكر ذكرت زعم زعمت
    said says say stated announced claims claimed according""".split()
)


def _speaker(mentions: list[aliases.Mention], words: list[str]) -> aliases.Mention | None:
    """The actor right before or after a saying verb ("قال المرصد", "ISIS said")."""
    actors = [m for m in _specific(mentions) if m.kind in _ACTOR_KINDS]
    for i, w in enumerate(words):
        if w in SAY_WORDS or _bare(w) in SAY_WORDS:
            for a in actors:
                if 0 <= a.start - (i + 1) <= 1 or 0 <= i - a.end <= 1:
                    return a
    return None


def _attribution_cue(feats: Features, cm: list[aliases.Mention], tm: list[aliases.Mention],
                     claim: str, text: str) -> None:
    sc, st = _speaker(cm, _words(claim)), _speaker(tm, _words(text))
    if sc is None or st is None or sc.concept == st.concept:
        return
    mine, theirs = _quote(sc.surface), _quote(st.surface)
    text_ = f"said by someone else: {mine} in the claim vs {theirs} in the text"
    feats.cues.append(Cue("attribution", Note("different_speaker", text_, claim=mine, text=theirs), 0.7))


ACTOR_WINDOW = 4


def _acts_of(mentions: list[aliases.Mention]) -> set[str]:
    """Event concepts that name an act, not those a place carries (حقل كونيكو is an oil field, not an act)."""
    places = {(m.start, m.end) for m in mentions if m.kind == "place"}
    return {m.concept for m in mentions if m.kind == "event" and (m.start, m.end) not in places}


def _actors(mentions: list[aliases.Mention], events: set[str]) -> dict[str, str]:
    """Groups standing within ACTOR_WINDOW words of one of the events: concept -> surface."""
    spots = [m for m in mentions if m.concept in events]
    out: dict[str, str] = {}
    for m in mentions:
        if m.kind != "group":
            continue
        if any(abs(m.start - e.end) <= ACTOR_WINDOW or abs(e.start - m.end) <= ACTOR_WINDOW for e in spots):
            out.setdefault(m.concept, m.surface)
    return out


def _gloss(mention: aliases.Mention) -> str:
    """ " (expelled)" after an Arabic surface form, so a reader of English can check it too."""
    if mention.surface.isascii():
        return ""
    c = aliases.table().concepts.get(mention.concept)
    english = next((n for n in c.names if n.isascii()), "") if c else ""
    return f" ({english})" if english else ""


def _as_written(normalized: str, text: str) -> str:
    """The words of `text` whose normalized form is `normalized` (one or more words)."""
    n = len(normalized.split())
    raw = re.findall(r"[^\W_]+", text)
    for i in range(len(raw) - n + 1):
        if normalize(" ".join(raw[i:i + n])) == normalized:
            return " ".join(raw[i:i + n])
    return normalized


# --- narrowing a long text -----------------------------------------------------------------------
def focus(claim: str, text: str) -> str:
    """The one or two consecutive sentences of a long text closest to the claim."""
    if len(text) <= 2.5 * max(40, len(claim)):
        return text
    sentences = [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]
    if len(sentences) <= 1:
        return text
    cs = set(stems(claim)) | set(aliases.concept_tokens(claim))
    best, best_score = text, -1.0
    for i in range(len(sentences)):
        for j in (i + 1, i + 2):
            if j > len(sentences):
                continue
            window = " ".join(sentences[i:j])
            ws = set(stems(window)) | set(aliases.concept_tokens(window))
            score = len(cs & ws) / math.sqrt(max(1, len(ws)))
            if score > best_score:
                best, best_score = window, score
    return best


# --- the learned model ---------------------------------------------------------------------------


def _char_grams(text: str, n: int = 3) -> set[str]:
    joined = " ".join(normalize(text).split())
    return {joined[i:i + n] for i in range(len(joined) - n + 1)}


def pair_features(claim: str, text: str, feats: Features) -> dict[str, float]:
    """The model's input: overlap figures, the cues, and the words that differ.

    The words only on one side, and pairs of them (one from each side), let the model learn
    substitutions that flip an account (ارتفاع -> انخفاض, رفع -> خفض) from the training pairs.
    """
    cs, ts = stems(claim), stems(text)
    only_c, only_t = _unmatched(sorted(set(cs) - set(ts)), sorted(set(ts) - set(cs)))
    cg, tg = _char_grams(claim), _char_grams(text)
    out: dict[str, float] = {
        "bias": 1.0,
        "overlap": feats.overlap,
        "overlap_text": feats.overlap_text,
        "overlap_min": min(feats.overlap, feats.overlap_text),
        "chars": len(cg & tg) / max(1, len(cg | tg)),
        "shared_log": math.log1p(feats.shared),
        "only_c_log": math.log1p(len(only_c)),
        "only_t_log": math.log1p(len(only_t)),
        "no_shared": float(feats.shared == 0),
        "aligned": feats.aligned,
        "one_swap": float(len(only_c) == 1 and len(only_t) == 1),
        "few_changed": float(len(only_c) + len(only_t) <= 3),
    }
    for cue in feats.cues:
        out["cue:" + cue.kind] = 1.0
    for w in only_c:
        out["c:" + w] = 1.0
        out["d:" + w] = 1.0
    for w in only_t:
        out["t:" + w] = 1.0
        out["d:" + w] = 1.0
    # acts of the antonym lexicon on one side only: what the model learns for رفض holds for يرفض and
    # ترفض too (the light stemmer keeps verb prefixes, so their stems differ)
    c_acts = {m.concept for m in _acts(claim)}
    t_acts = {m.concept for m in _acts(text)}
    for a in c_acts - t_acts:
        out["ca:" + a] = 1.0
    for a in t_acts - c_acts:
        out["ta:" + a] = 1.0
    cw, tw = _words(claim), _words(text)
    out["neg_c"] = float(sum(w in NEGATORS for w in cw))
    out["neg_t"] = float(sum(w in NEGATORS for w in tw))
    if len(only_c) * len(only_t) <= 64:
        for a in only_c:
            for b in only_t:
                out["x:" + "|".join(sorted((a, b)))] = 1.0
    return out


_VOWELS = str.maketrans("", "", "اويى")


@lru_cache(maxsize=200_000)
def _family(stem: str) -> frozenset[str]:
    """Letter skeletons of a stem with and without a verb prefix: ترتفع and ارتفاع share رتفع, يرفض and
    رفض share رفض. Words of one family are one word told in another form, not a changed detail."""
    forms = {stem}
    if len(stem) >= 4 and stem[0] in "يتنابلوف":  # a verb prefix or a glued ب/ل/و/ف
        forms.add(stem[1:])
        if len(stem) >= 5 and stem[1] in "يتنا":
            forms.add(stem[2:])
    if len(stem) >= 5 and stem[0] == "س" and stem[1] in "يتنا":  # the future: سيفرض is يفرض
        forms.add(stem[2:])
    return frozenset(f.translate(_VOWELS) for f in forms if len(f.translate(_VOWELS)) >= 2)


def _unmatched(only_c: list[str], only_t: list[str]) -> tuple[list[str], list[str]]:
    """The differing words, less those whose family the other side has (another form of the same word)."""
    fc = {w: _family(w) for w in only_c}
    ft = {w: _family(w) for w in only_t}
    all_c = set().union(*fc.values()) if fc else set()
    all_t = set().union(*ft.values()) if ft else set()
    return [w for w in only_c if not fc[w] & all_t], [w for w in only_t if not ft[w] & all_c]


@lru_cache(maxsize=1)
def _model() -> dict | None:
    """The shipped weights: {"labels": [...], "weights": {feature: [w per label]}, ...}."""
    try:
        return json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@lru_cache(maxsize=1)
def _e5_model() -> dict | None:
    """The model with meaning features (benchmarks/train_stance.py --e5), with its "dense" block:
    how to turn two vectors into features (a projection fitted on the training pairs, and scaling)."""
    try:
        return prepared(json.loads(E5_MODEL_PATH.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def prepared(model: dict) -> dict:
    """The model's projection as arrays, once, not per pair."""
    dense = dict(model["dense"])
    for part in ("prod", "diff"):
        dense[part + "_mean"] = np.asarray(dense[part + "_mean"], dtype=np.float32)
        dense[part + "_components"] = np.asarray(dense[part + "_components"], dtype=np.float32)
    return {**model, "dense": dense}


def meaning_available() -> bool:
    """Whether a model that uses the texts' vectors ships (its vectors need the multilingual extra)."""
    return _e5_model() is not None


def dense_raw(dense: dict, u: np.ndarray, v: np.ndarray) -> list[float]:
    """Unscaled meaning features of a pair: the cosine, and the pair's element-wise product and
    absolute difference projected on the few directions that vary most over the training pairs
    (all 384 dimensions overfit: 0.680 in cross-validation against 0.753; docs/verdicts.md)."""
    u = np.asarray(u, dtype=np.float32)
    v = np.asarray(v, dtype=np.float32)
    prod = dense["prod_components"] @ (u * v - dense["prod_mean"])
    diff = dense["diff_components"] @ (np.abs(u - v) - dense["diff_mean"])
    return [float(u @ v), *map(float, prod), *map(float, diff)]


def dense_features(dense: dict, u: np.ndarray, v: np.ndarray) -> dict[str, float]:
    """The meaning features by name, scaled as in training."""
    raw = dense_raw(dense, u, v)
    return {name: (x - m) / s for name, x, m, s in zip(dense["names"], raw, dense["mean"], dense["scale"])}


def predict_proba(model: dict, features: dict[str, float]) -> dict[str, float]:
    """Multinomial logistic regression, computed from the JSON weights."""
    labels, weights = model["labels"], model["weights"]
    scores = list(model.get("intercept", [0.0] * len(labels)))
    for name, value in features.items():
        w = weights.get(name)
        if w is not None:
            for k in range(len(labels)):
                scores[k] += w[k] * value
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {label: e / total for label, e in zip(labels, exps)}


def _top_words(model: dict, features: dict[str, float], label: str) -> list[str]:
    """The word features that pushed most toward `label`, for the reason."""
    k = model["labels"].index(label)
    weighted = [
        (model["weights"][name][k], name) for name in features
        if name[:2] in ("x:", "c:", "t:") and name in model["weights"]
    ]
    weighted.sort(reverse=True)
    return [name for w, name in weighted[:2] if w > 0]


def _surface(stem: str, text: str) -> str:
    """The word as written in the text for a stem, so the user sees «لأعلى», not «لاعل»."""
    for raw in re.findall(r"[^\W_]+", text):
        if stem in stems(raw):
            return raw
    return stem


def _word_reason(names: list[str], claim: str, text: str) -> Note | None:
    for name in names:
        kind, _, words = name.partition(":")
        if kind == "x":
            a, b = words.split("|")
            a, b = (a, b) if a in stems(claim) else (b, a)
            mine, theirs = _quote(_surface(a, claim)), _quote(_surface(b, text))
            return Note("different_wording", f"different wording: {mine} in the claim vs {theirs} in the text",
                        claim=mine, text=theirs)
    for name in names:
        kind, _, word = name.partition(":")
        if kind == "c":
            mine = _quote(_surface(word, claim))
            return Note("changed_in_claim", f"a changed detail: {mine} only in the claim", words=mine)
        theirs = _quote(_surface(word, text))
        return Note("changed_in_text", f"a changed detail: {theirs} only in the text", words=theirs)
    return None


def _same(f: Features) -> Note:
    pct = str(round(100 * f.overlap))
    return Note("same_account", f"same account: {pct}% of the claim's words, no contradiction found", pct=pct)


def _related(f: Features) -> Note:
    n = str(f.shared)
    return Note("related_only", f"related at most: {n} shared word{'s' if f.shared != 1 else ''}, not the same account",
                n=n)


NOTHING_SHARED = Note("nothing_shared", "nothing in common: no shared words or names")


DECISIVE_ALIGNED = 0.8


def _decide_with_model(model: dict, claim: str, text: str, f: Features,
                       vectors: Vectors | None = None) -> tuple[Stance, Note, float]:
    if f.shared == 0 and vectors is None:  # a contradiction has to be about the same thing (meaning can tell)
        return "other", NOTHING_SHARED, 0.0
    features = pair_features(claim, text, f)
    if vectors is not None:
        features.update(dense_features(model["dense"], *vectors))
    proba = predict_proba(model, features)
    stance = max(proba, key=lambda k: proba[k])
    strong = max(f.cues, key=lambda c: c.strength, default=None)
    # Cues from the alias table and the antonym lexicon (opposite acts, swapped roles) and outright
    # denials are rare in the training pairs, so the model cannot weigh them: they decide on their own.
    # Weaker cues (another number, place or speaker) decide too when the rest of the claim is all there.
    if strong is not None and (strong.strength >= 0.8 or f.aligned >= DECISIVE_ALIGNED) and f.shared >= 2:
        return "disagree", strong.reason, proba["disagree"]
    if stance == "disagree":
        cue = next((c for c in sorted(f.cues, key=lambda c: -c.strength)), None)
        if cue is not None:
            return "disagree", cue.reason, proba["disagree"]
        words = _word_reason(_top_words(model, features, "disagree"), claim, text)
        pct = str(round(100 * proba["disagree"]))
        changed = Note("changed_account", f"a changed account ({pct}% sure)", pct=pct)
        return "disagree", words or changed, proba["disagree"]
    if stance == "agree":
        return "agree", _same(f), proba["disagree"]
    return "other", _related(f), proba["disagree"]


def _decide_without_model(f: Features) -> tuple[Stance, Note, float]:
    strong = max(f.cues, key=lambda c: c.strength, default=None)
    if f.overlap < 0.2 and f.shared < 2:
        n = str(f.shared)
        return "other", Note("little_shared", f"little in common: {n} shared word{'s' if f.shared != 1 else ''}",
                             n=n), 0.0
    if strong is not None and strong.strength >= 0.6:
        return "disagree", strong.reason, strong.strength
    if f.overlap >= 0.5:
        return "agree", _same(f), 0.0
    return "other", _related(f), 0.0


# --- public API ----------------------------------------------------------------------------------
HEADLINE_WORDS = 25  # ANS headlines run 5-20 words


@dataclass
class Verdict:
    stance: Stance
    reason: Note  # English text, a code and values for other languages
    cue: str | None  # the kind of checkable difference behind a "disagree", None if the model alone
    aligned: float = 0.0  # share of the claim the text tells too, the differing words set aside
    p_disagree: float = 0.0  # the model's probability of "disagree" (the cue's strength without a model)
    short: bool = True  # the text compared is about as long as the claim (a headline, a tweet)
    meaning: bool = False  # the model that knows the texts' meaning (their vectors) decided


def assess(claim_text: str, text: str, vectors: Vectors | None = None) -> Verdict:
    """Stance, reason, and whether a checkable cue (not only the model) backs a disagreement.
    `vectors`: the claim's and the text's embeddings, when at hand: the model that knows what the
    words mean decides then (when it ships; otherwise they are ignored)."""
    part = focus(claim_text, text)
    feats = cues(claim_text, part)
    e5 = _e5_model() if vectors is not None else None
    model = e5 or _model()
    # The model learned from Arabic headline pairs; elsewhere the concepts and cues decide alone.
    learned = model is not None and is_arabic(claim_text) and is_arabic(part)
    if model is None or not learned:
        stance, reason, p = _decide_without_model(feats)
    else:
        stance, reason, p = _decide_with_model(model, claim_text, part, feats, vectors if e5 else None)
    cue = next((c.kind for c in feats.cues if c.reason == reason), None)
    # the model learned from headline pairs: it speaks for a headline-sized claim and text only
    words = max(len(claim_text.split()), len(part.split()))
    short = len(part) <= 2.5 * max(40, len(claim_text)) and words <= HEADLINE_WORDS
    return Verdict(stance, reason, cue if stance == "disagree" else None, feats.aligned, p, short,
                   meaning=learned and e5 is not None)


def classify(claim_text: str, text: str, vectors: Vectors | None = None) -> tuple[Stance, str]:
    """Stance of `text` toward the claim, and the reason in words."""
    verdict = assess(claim_text, text, vectors)
    return verdict.stance, verdict.reason


def classify_many(pairs: Iterable[tuple[str, str]]) -> list[tuple[Stance, str]]:
    return [classify(c, t) for c, t in pairs]
