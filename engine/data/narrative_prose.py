"""Narrative prose from facts: clauses, sentences joining 2-3 facts, distractor frames, an entity's paragraphs.

Writes the body of a narrative document (:mod:`engine.data.narrative`) from its :class:`Content`; the registers
(:mod:`engine.data.narrative_registers`) put a head and a tail around it. Fixed phrases come from
:mod:`engine.data.narrative_tables`.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

from engine.data.facts import Entity, Fact, Schema, Value
from engine.data.facts.render import _article, _cap, _poss
from engine.data.narrative_tables import FRAMES, NUMERIC_ONLY, SINCE, TALK, UNTIL, Talk


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
    frames = FRAMES[talk.kind] + (FRAMES["fixed"][:2] if talk.kind != "fixed" else ())
    numeric = bool(re.fullmatch(r"[^A-Za-z]*\d[^A-Za-z]*( [a-zA-Z°%]+)?", _old_text(talk, old, fact)))
    frame = rng.choice([f for f in frames if numeric or not any(w in f for w in NUMERIC_ONLY)])
    current_first = frame.startswith(("{C}", "{Since}"))
    owner = _ref(entity, rng) if current_first else first
    subject = first if current_first else _ref(entity, rng)
    since = rng.choice(SINCE)
    owned = _owned(owner, talk.noun, entity)
    return frame.format(
        Pn=_cap(owned), pn=owned, old=_old_text(talk, old, fact),
        C=_clause(entity, fact, rng, subject), c=_clause(entity, fact, rng, subject, opening=False)[:-1],
        since=since, Since=_cap(since), until=rng.choice(UNTIL))


def _leads(rng: random.Random, options: tuple[str, ...], share: float) -> Callable[[int], str]:
    """A lead-in picker: ``share`` of sentences get one of ``options``, none used twice."""
    left = list(options)

    def lead(_: int) -> str:
        if not left or rng.random() >= share:
            return ""
        return left.pop(rng.randrange(len(left)))

    return lead


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


def _no_lead(_: int) -> str:
    return ""


def _body(c: Content, rng: random.Random, lead: Callable[[int], str] = _no_lead) -> list[str]:
    paras = _entity_paras(c, c.main, rng, lead)
    if c.second:
        other = _entity_paras(c, c.second, rng, _no_lead)
        other[0] = _second_intro(c, rng) + " " + other[0]
        paras += other
    return paras
