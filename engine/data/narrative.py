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

The prose is written by :mod:`engine.data.narrative_prose`, the registers by :mod:`engine.data.narrative_registers`;
the fixed phrases are in :mod:`engine.data.narrative_tables`. This module draws the content and fits the length.

>>> rec = make_narrative(NarrativeConfig(), random.Random(0), "train")
>>> rec.kind, all(q.answers[0].lower() in rec.document.lower() for q in rec.questions)
('facts', True)
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from engine.data.facts import (GENERIC_FILLER, Draw, Entity, Fact, PoolExhausted, Schema, Value, coined_pools, pools,
                                 schemas)
from engine.data.facts.build import _question
from engine.data.narrative_prose import Content
from engine.data.narrative_registers import REGISTERS, SPECIFIC_WEIGHT, Parts
from engine.data.narrative_tables import TALK
from engine.data.records import Record, TokenCounter, check_split

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
        reg = rng.choices(options, [1 if r.schemas is None else SPECIFIC_WEIGHT for r in options])[0]
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
