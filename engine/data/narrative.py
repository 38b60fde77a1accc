"""Fact documents written as narrative prose (e-mails, minutes, diary entries, news, ...) with distractor values.

The list-like facts documents (:mod:`engine.data.facts`) state one fact a sentence. Human text does not:
a ferry timetable change arrives as "The ferry used to leave at 6:15, but since the spring it leaves at
7:40 am", two or three facts share a sentence, later sentences say "it" or "the company", and a second
thing of the same kind sits in the same text. This module renders the facts generator's schemas, values
and names through such prose:

* sentence groups join 2-3 facts ("X, which weighs 1.4 kg, costs €40." / "..., and it ...");
* a share of the asked facts gets a *distractor value* of the same type, always marked as not current:
  a previous value, a plan that was dropped, a correction of an earlier note, a common mistake;
* some documents carry a second entity of the same schema with overlapping attributes (and questions);
* registers: memo, e-mail, meeting minutes, diary, blog post, news report, support ticket, letter,
  recipe introduction (recipes), product review (products).

Questions are the facts generator's (they name their entity); the gold answer is the current value,
written in the document. Names follow the facts split rule (:func:`engine.data.facts.pools`,
:func:`engine.data.facts.coined_pools`), so val/test documents use names never seen in training.
Registers are shared by all splits.

>>> rec = make_narrative(NarrativeConfig(), random.Random(0), "train")
>>> rec.kind, all(q.answers[0].lower() in rec.document.lower() for q in rec.questions)
('facts', True)
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

from engine.data.facts import (GENERIC_FILLER, Draw, Entity, Fact, PoolExhausted, Schema, Value, coined_pools, pools,
                                 schemas)
from engine.data.facts.build import _question
from engine.data.facts.names import TEAMS
from engine.data.facts.render import _article, _cap, _poss
from engine.data.records import QA, Record, TokenCounter, check_split

# --------------------------------------------------------------------------------------
# How each attribute is talked about: a noun phrase ("the departure time") and how its
# value may differ over time. kind: "change" (a value that changes: prices, times, people in
# posts), "plan" (something arranged that could have been arranged otherwise), "fixed" (only
# corrections and common mistakes). fmt writes the distractor value after "was"/"is".
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Talk:
    """How the prose refers to one attribute."""

    noun: str
    kind: str
    fmt: str = "{v}"

    def __post_init__(self) -> None:
        if self.kind not in ("change", "plan", "fixed"):
            raise ValueError(f"Talk.kind must be change, plan or fixed, got {self.kind!r}")


def _t(noun: str, kind: str, fmt: str = "{v}") -> Talk:
    return Talk(noun, kind, fmt)


TALK: dict[tuple[str, str], Talk] = {
    ("person", "age"): _t("age", "fixed"),
    ("person", "hometown"): _t("home town", "fixed"),
    ("person", "profession"): _t("job", "change", "{a}"),
    ("person", "employer"): _t("employer", "change"),
    ("person", "hobby"): _t("favourite hobby", "change"),
    ("person", "instrument"): _t("instrument", "change", "the {v}"),
    ("person", "pet"): _t("pet", "change", "{a}"),
    ("person", "language"): _t("second language", "fixed"),
    ("person", "color"): _t("favourite colour", "change"),
    ("person", "street"): _t("address", "change", "on {v}"),
    ("company", "founder"): _t("founder", "fixed"),
    ("company", "founded"): _t("founding year", "fixed"),
    ("company", "hq"): _t("head office", "change", "in {v}"),
    ("company", "employees"): _t("headcount", "change"),
    ("company", "product"): _t("main product line", "change"),
    ("company", "ceo"): _t("chief executive", "change"),
    ("company", "revenue"): _t("annual revenue", "fixed"),
    ("company", "offices"): _t("number of offices", "change"),
    ("product", "maker"): _t("manufacturer", "fixed"),
    ("product", "price"): _t("price", "change"),
    ("product", "weight"): _t("weight", "fixed"),
    ("product", "battery"): _t("battery life", "fixed"),
    ("product", "warranty"): _t("warranty", "change"),
    ("product", "color"): _t("colour", "fixed"),
    ("product", "launched"): _t("launch year", "fixed"),
    ("product", "factory"): _t("assembly plant", "change", "in {v}"),
    ("town", "population"): _t("population", "change"),
    ("town", "founded"): _t("founding year", "fixed"),
    ("town", "river"): _t("river", "fixed", "the {v}"),
    ("town", "mayor"): _t("mayor", "change"),
    ("town", "industry"): _t("main industry", "change"),
    ("town", "festival"): _t("festival month", "change"),
    ("town", "twin"): _t("twin town", "change"),
    ("town", "market"): _t("market day", "change"),
    ("event", "date"): _t("date", "plan"),
    ("event", "start"): _t("start time", "plan"),
    ("event", "venue"): _t("venue", "plan"),
    ("event", "tickets"): _t("ticket price", "change"),
    ("event", "organiser"): _t("organiser", "plan"),
    ("event", "guest"): _t("guest of honour", "plan"),
    ("event", "capacity"): _t("capacity", "plan"),
    ("event", "theme"): _t("theme colour", "plan"),
    ("meeting", "date"): _t("date", "plan"),
    ("meeting", "chair"): _t("chair", "plan"),
    ("meeting", "minutes"): _t("minute taker", "plan"),
    ("meeting", "room"): _t("room", "plan"),
    ("meeting", "attendees"): _t("expected attendance", "plan"),
    ("meeting", "budget"): _t("budget", "plan"),
    ("meeting", "next"): _t("follow-up day", "plan"),
    ("meeting", "supplier"): _t("choice of supplier", "plan"),
    ("invoice", "issuer"): _t("issuer", "fixed"),
    ("invoice", "customer"): _t("customer", "fixed"),
    ("invoice", "amount"): _t("total", "change"),
    ("invoice", "due"): _t("due date", "change"),
    ("invoice", "item"): _t("line item", "fixed"),
    ("invoice", "quantity"): _t("quantity", "change"),
    ("invoice", "method"): _t("payment method", "change"),
    ("invoice", "late_fee"): _t("late fee", "change"),
    ("schedule", "destination"): _t("final stop", "change"),
    ("schedule", "departs"): _t("departure time", "change"),
    ("schedule", "journey"): _t("journey time", "change"),
    ("schedule", "platform"): _t("platform", "change"),
    ("schedule", "fare"): _t("single fare", "change"),
    ("schedule", "operator"): _t("operator", "change"),
    ("schedule", "no_service"): _t("day without service", "change"),
    ("schedule", "driver"): _t("regular driver", "change"),
    ("schedule", "stops"): _t("number of stops", "change"),
    ("recipe", "servings"): _t("number of servings", "fixed"),
    ("recipe", "bake_time"): _t("baking time", "fixed"),
    ("recipe", "oven"): _t("oven temperature", "fixed"),
    ("recipe", "secret"): _t("secret ingredient", "fixed"),
    ("recipe", "sugar"): _t("amount of sugar", "fixed"),
    ("recipe", "origin"): _t("town of origin", "fixed"),
    ("recipe", "rest"): _t("resting time", "fixed"),
    ("recipe", "contributor"): _t("contributor", "fixed"),
    ("house", "manager"): _t("manager", "change"),
    ("house", "quiet"): _t("start of quiet hours", "change"),
    ("house", "checkout"): _t("check-out time", "change"),
    ("house", "wifi"): _t("Wi-Fi password", "change"),
    ("house", "laundry"): _t("laundry day", "change"),
    ("house", "deposit"): _t("deposit", "change"),
    ("house", "bins"): _t("bin day", "change"),
    ("house", "door"): _t("door code", "change"),
    ("trip", "destination"): _t("destination", "plan"),
    ("trip", "departure"): _t("departure date", "plan"),
    ("trip", "flight"): _t("flight", "plan"),
    ("trip", "seat"): _t("seat", "plan"),
    ("trip", "hotel"): _t("hotel", "plan"),
    ("trip", "nights"): _t("number of nights", "plan"),
    ("trip", "guide"): _t("guide", "plan"),
    ("trip", "luggage"): _t("luggage allowance", "change"),
    ("trip", "reference"): _t("booking reference", "plan"),
    ("club", "sport"): _t("main sport", "fixed"),
    ("club", "captain"): _t("captain", "change"),
    ("club", "coach"): _t("head coach", "change"),
    ("club", "founded"): _t("founding year", "fixed"),
    ("club", "training"): _t("training day", "change"),
    ("club", "members"): _t("membership", "change"),
    ("club", "kit"): _t("kit colour", "change"),
    ("club", "ground"): _t("home ground", "change"),
    ("club", "fee"): _t("annual fee", "change"),
    ("lab", "room"): _t("location", "change", "{v}"),
    ("lab", "technician"): _t("responsible technician", "change"),
    ("lab", "max_temp"): _t("maximum temperature", "fixed"),
    ("lab", "warmup"): _t("warm-up time", "fixed"),
    ("lab", "calibration"): _t("calibration interval", "change"),
    ("lab", "power"): _t("power draw", "fixed"),
    ("lab", "supplier"): _t("supplier", "fixed"),
    ("lab", "error"): _t("overheating code", "fixed"),
    ("lab", "purchased"): _t("purchase year", "fixed"),
    ("pet", "owner"): _t("owner", "change"),
    ("pet", "born"): _t("year of birth", "fixed"),
    ("pet", "vet"): _t("vet", "change"),
    ("pet", "treat"): _t("favourite treat", "change"),
    ("pet", "checkup"): _t("last check-up", "fixed", "in {v}"),
    ("pet", "color"): _t("main colour", "fixed"),
    ("pet", "chip"): _t("microchip number", "fixed"),
    ("pet", "dinner"): _t("dinner time", "change"),
    ("course", "instructor"): _t("instructor", "change"),
    ("course", "room"): _t("room", "change"),
    ("course", "weekday"): _t("day", "change"),
    ("course", "start"): _t("start time", "change"),
    ("course", "credits"): _t("credit value", "fixed"),
    ("course", "places"): _t("number of places", "change"),
    ("course", "textbook"): _t("textbook author", "change"),
    ("course", "exam"): _t("exam month", "plan"),
    ("course", "fee"): _t("fee", "change"),
    ("bank", "holder"): _t("holder", "fixed"),
    ("bank", "branch"): _t("branch", "change", "the {v} branch"),
    ("bank", "balance"): _t("balance", "change"),
    ("bank", "interest"): _t("interest rate", "change"),
    ("bank", "adviser"): _t("personal adviser", "change"),
    ("bank", "overdraft"): _t("overdraft limit", "change"),
    ("bank", "review"): _t("annual review month", "change"),
    ("bank", "opened"): _t("opening year", "fixed"),
}  # pet species has no entry: "its species used to be a parrot" is not a thing people write

# Time phrases carry no numbers, weekdays or months, so they never look like an answer.
_SINCE = ("since last spring", "since the autumn", "since the start of the year", "since the summer",
          "these days", "as of this season", "since the last review", "now")
_UNTIL = ("last spring", "the autumn", "the start of the year", "the summer", "recently",
          "the last review")

# Distractor frames. {P}/{p}: possessive reference ("Its", "the ferry's"); {noun}; {old}: the
# distractor value; {C}: the current fact as a sentence; {c}: the same, lower-cased start, no period.
_FRAMES: dict[str, tuple[str, ...]] = {
    "change": (
        "{Pn} used to be {old}, but {since} {c}.",
        "{C} Until {until}, {pn} was {old}.",
        "{Since}, {c}; before that, {pn} was {old}.",
        "{C} That is new: {pn} was {old} until {until}.",
    ),
    "plan": (
        "{Pn} was originally going to be {old}, but in the end {c}.",
        "At first {old} was pencilled in as {pn}, but that fell through, so {c}.",
        "{C} An earlier plan said {old}, but it was dropped.",
    ),
    "fixed": (
        "An earlier note gave {pn} as {old}, which was a mistake: {c}.",
        "Some people still think {pn} is {old}, but {c}.",
        "{C} Ignore the {old} in the old brochure; it was a misprint.",
        "{C} The figure of {old} that keeps going around is wrong.",
    ),
}
_NUMERIC_ONLY = ("The figure of", "misprint")  # frames that only read well for numbers

_ALSO = ("On top of that, ", "Also, ", "What is more, ", "Besides, ", "In addition, ", "")


# --------------------------------------------------------------------------------------
# Sentences from facts.
# --------------------------------------------------------------------------------------


def _subject_first(fact: Fact) -> tuple[str, ...]:
    """Clauses of ``fact`` that open with the bare subject and mention it nowhere else ("{S} weighs {v} kg.")."""
    return tuple(c for c in fact.attr.clauses if c.startswith("{S} ") and "{s}" not in c and "{p}" not in c)


def _clause(entity: Entity, fact: Fact, rng: random.Random, subject: str, opening: bool = True,
            clause: str | None = None) -> str:
    """``fact`` as one sentence about ``subject``; ``opening`` False lower-cases a common-word start.

    A sentence that starts with a name or a value keeps its capital; "it" is only used where the
    clause opens with the subject ("the mayor of it" never).
    """
    clause = clause or rng.choice(fact.attr.clauses)
    if subject == "it" and not clause.startswith(("{S}", "{P}")):
        subject = entity.name.mention
    v = fact.value.text
    text = clause.format(S=_cap(subject), s=subject, P=_cap(_poss(subject)), p=_poss(subject), v=v,
                         av=_article(v))
    if opening:
        return text
    keeps = clause.startswith("{v}") or (clause.startswith(("{S}", "{P}")) and subject[:1].isupper())
    return text if keeps else text[:1].lower() + text[1:]


def _vp(fact: Fact, rng: random.Random) -> str | None:
    """The verb phrase of a subject-first clause ("weighs 1.4 kg"), or None if it has none."""
    options = _subject_first(fact)
    if not options:
        return None
    v = fact.value.text
    return rng.choice(options)[4:-1].format(v=v, av=_article(v))


def _ref(entity: Entity, rng: random.Random, allow_it: bool = True) -> str:
    options = [r for r in entity.name.refs if allow_it or r != "it"]
    return rng.choice(options or [entity.name.mention])


def _who(schema: Schema) -> str:
    return "who" if schema.name in ("person", "pet") else "which"


def _group(sch: Schema, entity: Entity, facts: list[Fact], rng: random.Random, first: str) -> str:
    """One sentence about 1-3 facts; ``first`` is how the entity is named at its start."""
    if len(facts) == 1:
        return _clause(entity, facts[0], rng, first)
    if len(facts) == 2:
        a, b = facts
        vp_a, vp_b = _vp(a, rng), _vp(b, rng)
        style = rng.random()
        if vp_a and vp_b and first != "it" and style < 0.35:
            return f"{_cap(first)}, {_who(sch)} {vp_a}, {vp_b}."
        if vp_a and vp_b and style < 0.55:
            return f"{_cap(first)} {vp_a} and {vp_b}."
        second = _clause(entity, b, rng, _ref(entity, rng), opening=False)
        joint = rng.choice((", and ", "; ", ", and "))
        return _clause(entity, a, rng, first)[:-1] + joint + second
    a, *rest = facts
    parts = [_clause(entity, a, rng, first)[:-1]]
    parts += [_clause(entity, f, rng, _ref(entity, rng), opening=False)[:-1] for f in rest]
    return ", ".join(parts[:-1]) + ", and " + parts[-1] + "."


def _old_text(talk: Talk, value: Value, fact: Fact) -> str:
    shown = fact.attr.shown.format(v=value.text)
    return talk.fmt.format(v=shown, a=_article(shown))


def _owned(owner: str, noun: str, entity: Entity) -> str:
    """'its price', "the ferry's price", "Nadia's age"; a long full name takes 'the price of ...' instead."""
    if owner == entity.name.mention and " " in owner:
        return f"the {noun} of {owner}"
    return f"{_poss(owner)} {noun}"


def _framed(entity: Entity, fact: Fact, old: Value, talk: Talk, rng: random.Random, first: str) -> str:
    """The current fact with a distractor value marked as previous, dropped or mistaken.

    Whichever of the two halves comes first names the entity as ``first``; the other refers back.
    """
    frames = _FRAMES[talk.kind] + (_FRAMES["fixed"][:2] if talk.kind != "fixed" else ())
    numeric = bool(re.fullmatch(r"[^A-Za-z]*\d[^A-Za-z]*( [a-zA-Z°%]+)?", _old_text(talk, old, fact)))
    frame = rng.choice([f for f in frames if numeric or not any(w in f for w in _NUMERIC_ONLY)])
    current_first = frame.startswith(("{C}", "{Since}"))
    owner = _ref(entity, rng) if current_first else first
    subject = first if current_first else _ref(entity, rng)
    since = rng.choice(_SINCE)
    owned = _owned(owner, talk.noun, entity)
    return frame.format(
        Pn=_cap(owned), pn=owned, old=_old_text(talk, old, fact),
        C=_clause(entity, fact, rng, subject), c=_clause(entity, fact, rng, subject, opening=False)[:-1],
        since=since, Since=_cap(since), until=rng.choice(_UNTIL))


def _leads(rng: random.Random, options: tuple[str, ...], share: float) -> Callable[[int], str]:
    """A lead-in picker: ``share`` of sentences get one of ``options``, none used twice."""
    left = list(options)

    def lead(_: int) -> str:
        if not left or rng.random() >= share:
            return ""
        return left.pop(rng.randrange(len(left)))

    return lead


# --------------------------------------------------------------------------------------
# The content of a document: entities, asked facts, distractor values.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NarrativeConfig:
    """Shape of narrative facts documents.

    min_words, max_words: document length in words (a target is drawn uniformly; filler sentences pad to it).
    min_questions, max_questions: questions per document (main entity, plus 1-2 about a second one).
    distractor_frac: share of asked facts (at most 1-3 a document) whose text also carries a marked non-answer
      value of the same type.
    second_entity: share of documents with a second entity of the same kind (and questions about it).
    coined_names: share of documents whose names are coined afresh (as ``FactsConfig.coined_names``).
    max_tokens: with a ``count_tokens``, filler is trimmed (and the draw retried) to stay at or below it.
    """

    min_words: int = 100
    max_words: int = 600
    min_questions: int = 3
    max_questions: int = 8
    distractor_frac: float = 0.5
    second_entity: float = 0.35
    coined_names: float = 0.0
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if not 60 <= self.min_words <= self.max_words:
            raise ValueError(f"need 60 <= min_words <= max_words, got {self.min_words}, {self.max_words}")
        if self.max_words < 250:
            raise ValueError(f"max_words must be >= 250 to fit the facts and their distractors, got {self.max_words}")
        if not 1 <= self.min_questions <= self.max_questions <= 8:
            raise ValueError("need 1 <= min_questions <= max_questions <= 8, got "
                             f"{self.min_questions}, {self.max_questions}")
        for name in ("distractor_frac", "second_entity", "coined_names"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.max_tokens is not None and self.max_tokens < 200:
            raise ValueError(f"max_tokens must be None or >= 200, got {self.max_tokens}")


@dataclass(frozen=True)
class Content:
    """What a document says, before a register writes it down."""

    schema: Schema
    main: Entity
    second: Entity | None
    asked: tuple[tuple[Entity, Fact], ...]
    olds: dict  # fact key of the main entity -> distractor Value
    people: tuple[str, ...]  # extra full names (writers, readers), never answers
    town: str
    date: str
    code: str


def _humane(value: Value, rng: random.Random) -> Value:
    """Times and dates as people write them: '7:40 am' or '07:40', '12 March' or 'March 12'."""
    if len(value.answers) == 2 and rng.random() < 0.5:
        if re.fullmatch(r"\d\d:\d\d", value.text) or re.fullmatch(r"[A-Z][a-z]+ \d+", value.text):
            alt = value.answers[1]
            return Value(alt, (alt, value.text))
    return value


def _sample_fact(attr, d: Draw, rng: random.Random) -> Fact:
    return Fact(attr, _humane(attr.sample(d), rng))


def _clash(a: Value, b: Value) -> bool:
    """True when an accepted answer of one value is inside the other's text (then a reply could match both)."""
    return (any(x.lower() in b.text.lower() for x in a.answers)
            or any(x.lower() in a.text.lower() for x in b.answers))


def _old_value(sch: Schema, fact: Fact, d: Draw, rng: random.Random, taken: list[Value]) -> Value | None:
    for _ in range(6):
        try:
            old = _humane(fact.attr.sample(d), rng)
        except PoolExhausted:
            return None
        if not any(_clash(old, t) for t in taken):
            return old
    return None


def _content(cfg: NarrativeConfig, rng: random.Random, split: str) -> Content:
    names = coined_pools(rng, split) if cfg.coined_names and rng.random() < cfg.coined_names else pools(split)
    d = Draw(rng, names)
    sch = rng.choice(schemas())
    attrs = sorted(rng.sample(sch.attrs, rng.randint(5, min(8, len(sch.attrs)))), key=sch.attrs.index)
    main = Entity(sch.make_name(d), tuple(_sample_fact(a, d, rng) for a in attrs))
    second = None
    if rng.random() < cfg.second_entity:
        shared = rng.sample(attrs, rng.randint(2, 4))
        second = Entity(sch.make_name(d), tuple(_sample_fact(a, d, rng) for a in
                                                sorted(shared, key=sch.attrs.index)))
    n_q = rng.randint(cfg.min_questions, cfg.max_questions)
    n_second = min(len(second.facts), rng.randint(1, 2), n_q - 1) if second and n_q > 1 else 0
    n_main = min(n_q - n_second, len(main.facts))
    asked = [(main, f) for f in rng.sample(list(main.facts), n_main)]
    if second:
        asked += [(second, f) for f in rng.sample(list(second.facts), n_second)]
    taken = [f.value for e in (main, second) if e for f in e.facts]
    olds = {}
    most = rng.randint(1, 3)
    for e, f in asked:
        talk = TALK.get((sch.name, f.attr.key))
        if e is main and talk and len(olds) < most and rng.random() < cfg.distractor_frac:
            old = _old_value(sch, f, d, rng, taken)
            if old is not None:
                olds[f.attr.key] = old
                taken.append(old)
    people = tuple(d.person().text for _ in range(3))
    return Content(sch, main, second, tuple(asked), olds, people, d.town().text, d.date().text,
                   d.code("", 5).text)


# --------------------------------------------------------------------------------------
# Paragraphs: an entity's facts as sentence groups.
# --------------------------------------------------------------------------------------


def _groups(facts: list[Fact], rng: random.Random) -> list[list[Fact]]:
    out, i = [], 0
    while i < len(facts):
        size = rng.choices((1, 2, 3), (2, 5, 2))[0]
        out.append(facts[i:i + size])
        i += size
    return out


def _entity_paras(c: Content, entity: Entity, rng: random.Random, lead: Callable[[int], str]) -> list[str]:
    """``entity``'s facts as 1-3 paragraphs; facts with a distractor get a sentence of their own.

    Every paragraph names the entity in full first; later sentences may say "it", "the company", ...
    ``lead(i)`` is put before the i-th sentence (reported speech, "Apparently, ", or "").
    """
    facts = rng.sample(list(entity.facts), len(entity.facts))
    framed = [f for f in facts if entity is c.main and f.attr.key in c.olds]
    plain = [f for f in facts if f not in framed]
    units: list[list[Fact]] = _groups(plain, rng) + [[f] for f in framed]
    rng.shuffle(units)
    n_paras = min(len(units), rng.randint(1, 3))
    cuts = sorted(rng.sample(range(1, len(units)), n_paras - 1)) if n_paras > 1 else []
    paras, sentences, k = [], [], 0
    for i, unit in enumerate(units):
        if i in cuts:
            paras.append(" ".join(sentences))
            sentences = []
        first = entity.name.mention if not sentences else _ref(entity, rng)
        if len(unit) == 1 and unit[0].attr.key in c.olds and entity is c.main:
            f = unit[0]
            text = _framed(entity, f, c.olds[f.attr.key], TALK[(c.schema.name, f.attr.key)], rng, first)
        else:
            text = _group(c.schema, entity, unit, rng, first)
        pre = lead(k)
        if pre:
            text = pre + (text if text[:1].isupper() and _starts_with_name(text, c) else text[:1].lower() + text[1:])
        sentences.append(text)
        k += 1
    paras.append(" ".join(sentences))
    return paras


def _starts_with_name(text: str, c: Content) -> bool:
    names = [e.name.mention for e in (c.main, c.second) if e] + [r for e in (c.main, c.second) if e
                                                                 for r in e.name.refs]
    values = [f.value.text for e in (c.main, c.second) if e for f in e.facts] + [v.text for v in c.olds.values()]
    return any(text.startswith(n) for n in names + values if n[:1].isupper())


def _second_intro(c: Content, rng: random.Random) -> str:
    m, o = c.main.name.mention, c.second.name.mention
    return rng.choice((f"Not to be confused with {o}, which is a different matter.",
                       f"People often mix {m} up with {o}, so a word on that too.",
                       f"For comparison, here is what I know about {o}.",
                       f"Separately, there is {o}.")) if c.schema.name not in ("person", "pet") else \
        rng.choice((f"A word about {o} too, since the two often get mixed up.",
                    f"{_cap(o)} is a different story.", f"For comparison, take {o}."))


# --------------------------------------------------------------------------------------
# Registers. Each returns (head blocks, body paragraphs, tail blocks); filler goes into the body.
# --------------------------------------------------------------------------------------

Parts = tuple[list[str], list[str], list[str]]


def _no_lead(_: int) -> str:
    return ""


def _body(c: Content, rng: random.Random, lead: Callable[[int], str] = _no_lead) -> list[str]:
    paras = _entity_paras(c, c.main, rng, lead)
    if c.second:
        other = _entity_paras(c, c.second, rng, _no_lead)
        other[0] = _second_intro(c, rng) + " " + other[0]
        paras += other
    return paras


def _first(person: str) -> str:
    return person.split()[0]


def _r_memo(c: Content, rng: random.Random) -> Parts:
    sender = c.people[0]
    t = c.main.name.title
    head = [f"MEMO\nTo: {rng.choice(TEAMS)}\nFrom: {sender}\nDate: {c.date}\nSubject: {t}",
            rng.choice((f"A few people have asked me about {c.main.name.mention}, so here is where things stand.",
                        f"This note pulls together what we currently know about {c.main.name.mention}.",
                        f"Please read this before the next round of questions about {c.main.name.mention}."))]
    return head, _body(c, rng), [f"Thanks,\n{_first(sender)}"]


def _r_email(c: Content, rng: random.Random) -> Parts:
    sender, recipient = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"From: {sender}\nTo: {recipient}\nSubject: {rng.choice(('Re: ', 'Fwd: ', ''))}{c.main.name.title}",
            f"Hi {_first(recipient)},",
            rng.choice((f"You asked about {m} the other day, and I finally have the details.",
                        f"Sorry for the slow reply. Here is what I found out about {m}.",
                        f"Quick update on {m}, since a couple of things have changed."))]
    tail = [rng.choice(("Let me know if anything is unclear.", "Shout if you need anything else.",
                        "Hope that helps.")),
            f"{rng.choice(('Best', 'Cheers', 'Thanks', 'All the best'))},\n{_first(sender)}"]
    return head, _body(c, rng), tail


def _r_minutes(c: Content, rng: random.Random) -> Parts:
    chair, clerk, member = c.people
    speakers = (chair, member, clerk)

    a, b, d = (_first(p) for p in speakers)
    lead = _leads(rng, (f"{a} reported that ", "It was noted that ", f"{b} confirmed that ",
                        f"{d} reminded everyone that ", f"{b} pointed out that "), 0.5)

    head = [f"Minutes of the {rng.choice(('committee', 'team', 'steering group', 'residents'))} meeting, {c.date}",
            f"Present: {chair} (chair), {member}, {clerk} (notes)",
            f"Item 1: {c.main.name.title}"]
    body = _entity_paras(c, c.main, rng, lead)
    if c.second:
        other = _entity_paras(c, c.second, rng, _no_lead)
        other[0] = f"Item 2: {c.second.name.title}\n" + other[0]
        body += other
    return head, body, ["Actions: circulate these notes and confirm any open points by e-mail.",
                        f"Notes taken by {_first(clerk)}."]


def _r_diary(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention

    lead = _leads(rng, ("Apparently, ", "As it turns out, ", "I found out that ", "Funny enough, "), 0.3)
    head = ["Dear diary,",
            rng.choice((f"Long day. Most of it went on {m}, so I am writing it down before I forget.",
                        f"I finally sat down this evening and sorted out what I know about {m}.",
                        f"Someone asked me about {m} today and I realised I had it all muddled."))]
    return head, _body(c, rng, lead), [rng.choice(("More tomorrow.", "Time for bed.", "Enough for one day."))]


def _r_blog(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention
    head = [rng.choice((f"Everything you wanted to know about {m}", f"A few words on {m}",
                        f"Why I keep coming back to {m}")),
            rng.choice((f"I have been meaning to write about {m} for ages, and readers keep asking.",
                        f"This post is a bit different: no pictures, just what I have learned about {m}."))]
    tail = [rng.choice(("Thanks for reading, and see you in the comments.",
                        "If I got anything wrong, tell me below and I will fix it."))]
    return head, _body(c, rng, _leads(rng, ("Honestly, ", "For what it is worth, ", "Fun fact: "), 0.3)), tail


def _r_news(c: Content, rng: random.Random) -> Parts:
    spokes = c.people[0]
    m = c.main.name.mention
    head = [rng.choice((f"Changes ahead for {m}", f"What is new with {m}", f"{_cap(m)}: the latest"))]
    body = _body(c, rng)
    body[0] = f"{c.town.upper()} — " + body[0]
    quote = rng.choice(c.schema.filler)[:-1]
    body.insert(min(1, len(body)), f'"{quote}," said {spokes}, who follows the matter closely.')
    return head, body, []


def _r_ticket(c: Content, rng: random.Random) -> Parts:
    customer, agent = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"Support ticket #{c.code}\nSubject: Question about {c.main.name.title}\nStatus: resolved",
            f"Customer ({customer}) wrote: " + rng.choice((
                f"Hello, I keep getting different answers about {m}. Can someone confirm the details?",
                f"Hi, the information I have about {m} seems out of date. What is correct now?")),
            f"Reply from {agent}: Thanks for getting in touch, and sorry for the confusion. Here is the current picture."]
    return head, _body(c, rng), [f"I hope this clears things up.\n{_first(agent)}, customer support"]


def _r_letter(c: Content, rng: random.Random) -> Parts:
    writer, reader = c.people[0], c.people[1]
    m = c.main.name.mention
    head = [f"{c.town}, {c.date}", f"Dear {_first(reader)},",
            rng.choice((f"Thank you for your letter. You asked about {m}, and I am glad to tell you what I know.",
                        f"I promised to write to you about {m}, so here it is at last."))]
    return head, _body(c, rng), [rng.choice(("With best wishes,", "Yours,", "Warmly,")) + f"\n{writer}"]


def _r_recipe_intro(c: Content, rng: random.Random) -> Parts:
    m = c.main.name.mention
    head = [c.main.name.title,
            rng.choice((f"Before the recipe itself, a little story. {_cap(m)} has been on our table for years.",
                        f"Every family has one dish that everyone asks for, and for us it is {m}."))]
    tail = ["Right, enough talk: the full method is below. Happy baking!"]
    return head, _body(c, rng, _leads(rng, ("By the way, ", "Good to know: "), 0.3)), tail


def _r_review(c: Content, rng: random.Random) -> Parts:
    reviewer = c.people[0]
    m = c.main.name.mention
    head = [f"{rng.choice(('★★★★☆', '★★★☆☆', '★★★★★'))} {c.main.name.title}\nReviewed by {reviewer}",
            rng.choice((f"I have been using {m} for a few weeks now, so here is my honest take.",
                        f"I was not sure about {m} at first, but it has grown on me."))]
    tail = [rng.choice(("Would I buy it again? Probably.", "All in all, a solid choice.",
                        "Not perfect, but good value."))]
    return head, _body(c, rng), tail


@dataclass(frozen=True)
class Register:
    """A kind of human text. ``schemas`` None means it suits any schema."""

    name: str
    write: Callable[[Content, random.Random], Parts]
    filler: tuple[str, ...]
    schemas: tuple[str, ...] | None = None

    def fits(self, schema_name: str) -> bool:
        return self.schemas is None or schema_name in self.schemas


_NEWSWORTHY = ("person", "company", "product", "town", "event", "meeting", "schedule", "club", "lab",
               "course")
_SERVICE = ("product", "invoice", "schedule", "house", "trip", "course", "bank", "lab", "event", "club")

# Asides each register may add; like all fixed text here they hold no number, day, month or name.
_MEMO = ("Nothing else has changed for now.", "Please pass this on to anyone who was not on the list.",
         "I know this has caused some confusion, so thank you for your patience.",
         "If something here looks wrong, tell me rather than guessing.",
         "We will go over this briefly at the next team catch-up.", "A printed copy is pinned up in the kitchen.")
_EMAIL = ("Sorry, this got longer than I meant it to.", "I double-checked most of this with the people involved.",
          "Anyway, I thought you would want to know.", "Say hello to everyone from me.",
          "I will send the rest once I hear back.", "It has been a hectic few weeks here.")
_MINUTES = ("Apologies were received from two members.", "The previous minutes were approved without changes.",
            "There was a short discussion, but no objections were raised.",
            "The chair thanked everyone for the careful preparation.",
            "Coffee ran out halfway through, which did not help.",
            "A question about parking was deferred to the next meeting.")
_DIARY = ("It rained all afternoon, so I stayed in with a pot of tea.",
          "I really need to start writing things down properly.", "The radio next door was far too loud again.",
          "Honestly, I should have asked sooner.", "The cat sat on my notes the whole time.",
          "I feel much better now that it is all straight in my head.")
_BLOG = ("If you are new here, welcome!", "I know, I know, another long post.",
         "A few of you wrote in after the last post, which was lovely.", "As always, none of this is sponsored.",
         "Grab a cup of something warm, this will take a minute.")
_NEWS = ("Residents have followed the story with interest.", "Local businesses welcomed the clarity.",
         "Questions sent to the office had not been answered by the time of writing.",
         "Reaction on social media was mixed.", "The announcement came after weeks of speculation.")
_TICKET = ("We appreciate your patience while we looked into this.", "Our records have been updated accordingly.",
           "I have also passed your feedback on to the team.",
           "If anything still looks wrong, simply reply to this message.",
           "Older confirmation e-mails may still show outdated details.")
_LETTER = ("The garden is looking lovely at the moment.", "I hope this finds you well and rested.",
           "Forgive my handwriting, my hand is not what it was.",
           "We often think of the long walks we all took together.", "Do write back when you have a moment.")
_RECIPE = ("Nobody in the family ever measured anything, so this took some work to write down.",
           "The kitchen smells wonderful whenever it is in the oven.",
           "It is the first thing to disappear at every family gathering.",
           "I have tweaked it over the years, but only a little.")
_REVIEW = ("Delivery was quick and the box arrived undamaged.", "Setting it up took no time at all.",
           "My partner was sceptical at first but now uses it daily.", "The manual could be clearer, though.",
           "For the price, I have few complaints.")

REGISTERS = (
    Register("memo", _r_memo, _MEMO),
    Register("email", _r_email, _EMAIL),
    Register("minutes", _r_minutes, _MINUTES),
    Register("diary", _r_diary, _DIARY),
    Register("blog", _r_blog, _BLOG),
    Register("news", _r_news, _NEWS, _NEWSWORTHY),
    Register("support_ticket", _r_ticket, _TICKET, _SERVICE),
    Register("letter", _r_letter, _LETTER),
    Register("recipe_intro", _r_recipe_intro, _RECIPE, ("recipe",)),
    Register("review", _r_review, _REVIEW, ("product",)),
)
_SPECIFIC_WEIGHT = 3


def register_names() -> list[str]:
    return sorted(r.name for r in REGISTERS)


# --------------------------------------------------------------------------------------
# Putting it together.
# --------------------------------------------------------------------------------------


def _words(text: str) -> int:
    return len(text.split())


def _assemble(head: list[str], body: list[str], tail: list[str], filler: tuple[str, ...], k: int,
              rng: random.Random) -> str:
    """Head, body with the first ``k`` filler sentences spread over it (ends of paragraphs or own paragraphs), tail."""
    paras = list(body)
    for s in filler[:k]:
        i = rng.randrange(len(paras))
        if rng.random() < 0.7:
            paras[i] = f"{paras[i]} {s}"
        else:
            paras.insert(i + 1, s)
    return "\n\n".join(p for p in (*head, *paras, *tail) if p)


def _fit(parts: Parts, filler: tuple[str, ...], cfg: NarrativeConfig, target: int, seed: int,
         count_tokens: TokenCounter | None) -> str | None:
    """The rendering with the fewest filler sentences reaching ``target`` words, within the limits."""
    head, body, tail = parts

    def render(k: int) -> str:
        return _assemble(head, body, tail, filler, k, random.Random(seed))

    k = 0
    while k < len(filler) and _words(render(k)) < target:
        k += 1
    while k > 0 and _words(render(k)) > cfg.max_words:
        k -= 1
    if cfg.max_tokens is not None and count_tokens is not None:
        while k > 0 and count_tokens(render(k)) > cfg.max_tokens:
            k -= 1
        if count_tokens(render(k)) > cfg.max_tokens:
            return None
    text = render(k)
    return text if cfg.min_words <= _words(text) <= cfg.max_words else None


@dataclass(frozen=True)
class NarrativeDocument:
    """A generated record, its schema and register, and each distractor: (gold answer, distractor text)."""

    record: Record
    schema: str
    register: str
    distractors: tuple[tuple[str, str], ...]


def sample_narrative(cfg: NarrativeConfig, rng: random.Random, split: str, *,
                     count_tokens: TokenCounter | None = None, record_id: str | None = None,
                     attempts: int = 30) -> NarrativeDocument:
    """One narrative facts document of ``split`` with its schema, register and distractor values."""
    check_split(split)
    rid = record_id or f"narrative-{split}-{rng.getrandbits(48):012x}"
    for _ in range(attempts):
        try:
            c = _content(cfg, rng, split)
        except PoolExhausted:
            continue
        options = [r for r in REGISTERS if r.fits(c.schema.name)]
        reg = rng.choices(options, [1 if r.schemas is None else _SPECIFIC_WEIGHT for r in options])[0]
        parts = reg.write(c, random.Random(rng.getrandbits(32)))
        asides = [*reg.filler, *c.schema.filler]
        rng.shuffle(asides)
        common = list(GENERIC_FILLER)
        rng.shuffle(common)
        text = _fit(parts, tuple(asides + common[:rng.randint(0, 4)]), cfg, rng.randint(cfg.min_words, cfg.max_words), rng.getrandbits(32), count_tokens)
        if text is None:
            continue
        qas = tuple(_question(e, f, rng) for e, f in c.asked)
        dis = tuple((f.value.answers[0], c.olds[f.attr.key].text) for e, f in c.asked
                    if e is c.main and f.attr.key in c.olds)
        return NarrativeDocument(Record(rid, text, qas, "facts"), c.schema.name, reg.name, dis)
    raise ValueError(f"no narrative document fitted {cfg.min_words}-{cfg.max_words} words"
                     f"{'' if cfg.max_tokens is None else f' and {cfg.max_tokens} tokens'} in {attempts} "
                     "attempts; widen the limits")


def make_narrative(cfg: NarrativeConfig, rng: random.Random, split: str,
                   count_tokens: TokenCounter | None = None, *, record_id: str | None = None) -> Record:
    """One narrative facts record (kind "facts": trained like the facts documents) from ``split``'s names."""
    return sample_narrative(cfg, rng, split, count_tokens=count_tokens, record_id=record_id).record


def narrative_set(n: int, seed: int, split: str, cfg: NarrativeConfig = NarrativeConfig()) -> list[Record]:
    """``n`` narrative records of ``split``, reproducible from ``seed`` (record i has its own rng, ids
    ``narrative-{split}-{seed}-{i}``, so a longer set extends a shorter one)."""
    check_split(split)
    return [make_narrative(cfg, random.Random(f"narrative:{split}:{seed}:{i}"), split,
                           record_id=f"narrative-{split}-{seed}-{i}") for i in range(n)]
