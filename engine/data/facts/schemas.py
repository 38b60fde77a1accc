"""The schema model: sampled values, the per-document value source (Draw), attributes, entities, scenes."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from engine.data.facts.names import COMPANY_SUFFIXES, MONTHS, PASSWORD_WORDS, STREET_BASES, STREET_TYPES, Pools


@dataclass(frozen=True)
class Value:
    """A sampled value: ``text`` as written in the document, ``answers`` accepted (first is in text)."""

    text: str
    answers: tuple[str, ...]


class PoolExhausted(LookupError):
    """No unused value is left in a pool for this document."""


def _dedup(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _h12(hour: int, minute: int) -> str:
    """12-hour form of a time: (19, 30) -> '7:30 pm'."""
    return f"{hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'}"


class Draw:
    """Per-document value source: names from the split's pools, no value used twice.

    Built fresh for every document (it is the document's scratch state, never shared).
    """

    def __init__(self, rng: random.Random, names: Pools) -> None:
        self.rng = rng
        self.names = names
        self.used: set[str] = set()
        self.currency = rng.choice("€$£")

    def fresh(self, make: Callable[[], str], tries: int = 60) -> str:
        """A new string from ``make`` not yet used in this document."""
        for _ in range(tries):
            text = make()
            if text not in self.used:
                self.used.add(text)
                return text
        raise PoolExhausted("no unused value left")

    def word(self, pool: tuple[str, ...]) -> str:
        return self.fresh(lambda: self.rng.choice(pool))

    def pick(self, pool: tuple[str, ...]) -> Value:
        text = self.word(pool)
        return Value(text, (text,))

    def person(self) -> Value:
        first, last = self.word(self.names.first), self.word(self.names.last)
        full = f"{first} {last}"
        self.used.add(full)
        return Value(full, _dedup((full, *(n for n in (first, last) if len(n) >= 4))))

    def town(self) -> Value:
        return self.pick(self.names.towns)

    def company(self) -> Value:
        core = self.word(self.names.companies)
        full = f"{core} {self.rng.choice(COMPANY_SUFFIXES)}"
        return Value(full, (full, core))

    def integer(self, lo: int, hi: int, step: int = 1) -> Value:
        n = int(self.fresh(lambda: str(self.rng.randrange(lo, hi + 1, step))))
        return Value(f"{n:,}", _dedup((f"{n:,}", str(n))))

    def money(self, lo: int, hi: int, step: int = 1) -> Value:
        n = int(self.fresh(lambda: str(self.rng.randrange(lo, hi + 1, step))))
        return Value(f"{self.currency}{n:,}", _dedup((f"{n:,}", str(n))))

    def decimal(self, lo: float, hi: float) -> Value:
        text = self.fresh(lambda: f"{self.rng.uniform(lo, hi):.1f}")
        return Value(text, (text,))

    def year(self, lo: int, hi: int) -> Value:
        text = self.fresh(lambda: str(self.rng.randint(lo, hi)))
        return Value(text, (text,))

    def time(self, lo_hour: int, hi_hour: int) -> Value:
        def make() -> str:
            return f"{self.rng.randint(lo_hour, hi_hour):02d}:{self.rng.choice((0, 15, 30, 45)):02d}"

        text = self.fresh(make)
        return Value(text, (text, _h12(int(text[:2]), int(text[3:]))))

    def date(self) -> Value:
        month, day = self.fresh(lambda: f"{self.rng.choice(MONTHS)} {self.rng.randint(10, 28)}").split()
        return Value(f"{month} {day}", (f"{month} {day}", f"{day} {month}"))

    def code(self, prefix: str, digits: int) -> Value:
        text = self.fresh(lambda: f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10**digits)}")
        number = text[len(prefix):]
        return Value(text, _dedup((text, number)) if len(number) >= 4 else (text,))

    def room(self) -> Value:
        return self.pick(tuple(f"{c}{n}" for c in "ABCDEG" for n in range(101, 131)))

    def flight(self) -> Value:
        def make() -> str:
            letters = "".join(self.rng.choice("ABDEFHKLMNRSTUVWZ") for _ in range(2))
            return f"{letters} {self.rng.randint(100, 9899)}"

        text = self.fresh(make)
        return Value(text, (text, text.replace(" ", "")))

    def seat(self) -> Value:
        text = self.fresh(lambda: f"{self.rng.randint(3, 38)}{self.rng.choice('ABCDEF')}")
        return Value(text, (text,))

    def password(self) -> Value:
        return self.pick(tuple(f"{w}{n}" for w in PASSWORD_WORDS for n in range(11, 99)))

    def street(self) -> Value:
        return self.pick(tuple(f"{b} {t}" for b in STREET_BASES for t in STREET_TYPES))


# --------------------------------------------------------------------------------------
# The schema model: attributes, entities, scenes.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attr:
    """One attribute of a schema and every way of stating and asking it.

    clauses: sentences stating the fact. Placeholders: {S}/{s} the subject
      (capitalised / as is), {P}/{p} its possessive, {v} the value, {av} the
      value with "a"/"an". {S} and {P} only ever open a sentence.
    questions: ways to ask, with {n} the entity mention and {np} its possessive.
    shown: how the value appears in labelled lines and the answer target.
    """

    key: str
    label: str
    sample: Callable[[Draw], Value]
    clauses: tuple[str, ...]
    questions: tuple[str, ...]
    shown: str = "{v}"

    def __post_init__(self) -> None:
        if len(self.clauses) < 2 or len(self.questions) < 3:
            raise ValueError(f"attribute {self.key!r} needs >= 2 clauses and >= 3 questions")


@dataclass(frozen=True)
class Name:
    """How an entity is written: ``title`` in headings, ``mention`` in sentences, ``refs`` later on."""

    title: str
    mention: str
    refs: tuple[str, ...]
    noun: str


@dataclass(frozen=True)
class Schema:
    """A kind of document subject: how to name one, its attributes, its filler sentences."""

    name: str
    make_name: Callable[[Draw], Name]
    attrs: tuple[Attr, ...]
    filler: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.attrs) < 7:
            raise ValueError(f"schema {self.name!r} needs >= 7 attributes, has {len(self.attrs)}")


@dataclass(frozen=True)
class Fact:
    attr: Attr
    value: Value

    @property
    def shown(self) -> str:
        return self.attr.shown.format(v=self.value.text)


@dataclass(frozen=True)
class Entity:
    name: Name
    facts: tuple[Fact, ...]

    def get(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.attr.key == key), None)


@dataclass(frozen=True)
class Scene:
    """Everything a template renders: main entity, distractors, extra people, filler."""

    schema: Schema
    main: Entity
    distractors: tuple[Entity, ...]
    people: tuple[str, ...]  # extra full names (sender, recipient, narrator), never facts
    town: str
    date: str
    filler: tuple[str, ...]
    seed: int


