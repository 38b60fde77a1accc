"""Skill tasks from cores x styles: descriptions, held-out splits, records, no-op controls and evaluation sets."""
from __future__ import annotations

import functools
import hashlib
import itertools
import random
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

from engine.data.records import QA, Record, check_split
from engine.data.skills.banks import (
    _slug,
    ADJECTIVES, _cap, NOUNS, PLACES, _plain_answer, _question, Sampler,
)
from engine.data.skills.families import wide_specs
from engine.data.skills.cores import (
    _answer_core, Core, _cores, _replace_core, REPLACEMENTS, _sentiment_core, SENTIMENT_LABELS,
)
from engine.data.skills.styles import (
    _base_styles, COMPOSITIONS, _prefix_style, PREFIXES, Style, _suffix_style, SUFFIXES, _tag_style, TAGS,
)

KIND = "skill"
NOOP_KIND = "skill_noop"
NOOP_TASK = "noop"
MAX_DESCRIPTIONS = 64  # per task; the compositional grammar gives more, a seeded sample is kept

# --------------------------------------------------------------------------------------
# Tasks and their descriptions.
# --------------------------------------------------------------------------------------

FRAMES = ("{P}.", "Please {p}.", "Always {p}.", "From now on, {p}.", "Your task: {p}.", "I want you to {p}.",
          "When you reply, {p}.", "For every message, {p}.", "Whatever I send you, {p}.", "Rule: {p}.",
          "Make sure to {p}.", "You must {p}.", "Instruction: {p}.", "In every response, {p}.")
JOINERS = (", and {s}", ", then {s}", "; also {s}", " and {s}")


@dataclass(frozen=True)
class Task:
    """A checkable behaviour: a core with styles, its descriptions and its held-out split."""

    id: str
    family: str
    core: Core
    styles: tuple[Style, ...]
    descriptions: tuple[str, ...]
    split: str
    catalogue: int = 1  # 1: the first catalogue (127 tasks); 2: the widened one (engine.data.skills.families)
    holdout: str = "task"  # how the split was drawn: by task (first catalogue's families) or by whole family

    def sample(self, rng: random.Random) -> str:
        return self.core.sample(rng)

    def solve(self, inp: str) -> str:
        out = self.core.solve(inp)
        for s in self.styles:
            out = s.apply(out)
        return out

    def mutant(self, inp: str) -> str | None:
        """A near miss of the correct output that check() must reject (None when the task defines none).

        The outermost style's mutation (default: the output without that style), else the core's.
        """
        if self.styles:
            outer, inner = self.styles[-1], replace(self, styles=self.styles[:-1])
            return outer.mutate(self.solve(inp)) if outer.mutate else inner.solve(inp)
        return self.core.mutate(inp, self.solve(inp)) if self.core.mutate else None

    def check(self, inp: str, out: str) -> bool:
        """True when ``out`` follows the instruction for input ``inp``."""
        text: str | None = out
        for s in reversed(self.styles):
            if text is None or not s.ok(text):
                return False
            text = s.unwrap(text)
        return text is not None and self.core.check(inp, text)


def _describe(task_id: str, core: Core, styles: Sequence[Style]) -> tuple[str, ...]:
    """Every frame x phrase combination, deduplicated, then a seeded sample of at most MAX_DESCRIPTIONS."""
    parts = ([] if core.name == "answer" else [core.phrases]) + [s.phrases for s in styles]
    bodies = []
    for combo in itertools.product(*parts):
        if len(combo) == 1:
            bodies.append(combo[0])
        else:
            for joiner in JOINERS:
                bodies.append(combo[0] + "".join(joiner.format(s=c) for c in combo[1:]))
    texts = list(dict.fromkeys(f.format(p=b, P=_cap(b)) for b in bodies for f in FRAMES))
    rng = random.Random(f"skills:describe:{task_id}")
    return tuple(sorted(rng.sample(texts, min(MAX_DESCRIPTIONS, len(texts)))))


def _stable_rank(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


def description_split(text: str) -> str:
    """train (80 %), val (10 %) or test (10 %) for a description of a train task, by a stable hash."""
    r = _stable_rank(f"skills:description:{text}") % 100
    return "train" if r < 80 else "val" if r < 90 else "test"


def _first_specs() -> list[tuple[str, str, Core, tuple[Style, ...]]]:
    """(task id, family, core, styles) for every task of the first catalogue."""
    cores = {c.name: c for c in _cores()}
    cores.update({c.name: c for c in (_sentiment_core(p, n) for p, n in SENTIMENT_LABELS)})
    cores.update({c.name: c for c in (_replace_core(o, n) for o, n in REPLACEMENTS)})
    answer = _answer_core()
    cores["answer"] = answer
    styles = {s.name: s for s in _base_styles()}
    styles.update({s.name: s for s in map(_prefix_style, PREFIXES)})
    styles.update({s.name: s for s in map(_suffix_style, SUFFIXES)})
    styles.update({s.name: s for s in map(_tag_style, TAGS)})
    specs = []
    for name, style in styles.items():
        family = name.split(":")[0]
        specs.append((f"answer_{_slug(name)}", family, answer, (style,)))
    for name, core in cores.items():
        if name == "answer":
            continue
        family = "sentiment" if name.startswith("sentiment_") else "replace" if name.startswith("replace_") else name
        specs.append((name, family, core, ()))
    for core_name, style_names in COMPOSITIONS:
        sts = tuple(styles[s] for s in style_names)
        if any(s.is_case for s in sts) and not cores[core_name].has_letters:
            raise ValueError(f"composition {core_name}+{style_names}: a case style needs a core with letters")
        if any(s.is_case for s in sts[sum(s.is_case for s in sts):]):
            raise ValueError(f"composition {core_name}+{style_names}: case styles go innermost")
        tid = "_".join([core_name, *map(_slug, style_names)])
        specs.append((tid, "compose", cores[core_name], sts))
    return specs


@functools.lru_cache(maxsize=1)
def tasks() -> tuple[Task, ...]:
    """All tasks, sorted by id, with their held-out split.

    First catalogue: whole tasks are held out, the first 15 % of its ids by hash
    rank test, the next 10 % val (unchanged since the catalogue was widened).
    Widened catalogue: whole *families* are held out, the first 15 % of the new
    family names by hash rank test, the next 10 % val; a new task in a family of
    the first catalogue takes that family's split when it has one, else train.
    """
    first = sorted(_first_specs(), key=lambda s: s[0])
    ranked = sorted((s[0] for s in first), key=lambda tid: _stable_rank(f"skills:task:{tid}"))
    split_of = _head_splits(ranked)
    first_family_splits: dict[str, set[str]] = {}
    for tid, fam, _, _ in first:
        first_family_splits.setdefault(fam, set()).add(split_of[tid])
    wide = wide_specs()
    new_families = sorted({fam for _, fam, _, _ in wide} - set(first_family_splits),
                          key=lambda f: _stable_rank(f"skills:family:{f}"))
    family_split = _head_splits(new_families)
    out = [Task(tid, fam, core, sts, _describe(tid, core, sts), split_of[tid]) for tid, fam, core, sts in first]
    for tid, fam, core, sts in wide:
        if fam in family_split:
            split, holdout = family_split[fam], "family"
        else:
            known = first_family_splits[fam]
            split, holdout = (next(iter(known)) if len(known) == 1 else "train"), "task"
        out.append(Task(tid, fam, core, sts, _describe(tid, core, sts), split, 2, holdout))
    return tuple(sorted(out, key=lambda t: t.id))


def _head_splits(ranked: Sequence[str]) -> dict[str, str]:
    """The first 15 % of ``ranked`` test, the next 10 % val, the rest train."""
    n_test, n_val = round(0.15 * len(ranked)), round(0.10 * len(ranked))
    return {k: "test" if i < n_test else "val" if i < n_test + n_val else "train" for i, k in enumerate(ranked)}


@functools.lru_cache(maxsize=1)
def _by_id() -> dict[str, Task]:
    return {t.id: t for t in tasks()}


def get_task(task_id: str) -> Task:
    """The task called ``task_id``; ValueError naming how to list them when unknown."""
    try:
        return _by_id()[task_id]
    except KeyError:
        raise ValueError(f"unknown skill task {task_id!r}; see engine.data.skills.tasks()") from None


def task_ids(split: str | None = None) -> list[str]:
    """Ids of the tasks held by ``split`` (all tasks when None), sorted."""
    return [t.id for t in tasks() if split is None or t.split == check_split(split)]


def descriptions(task_id: str, split: str) -> list[str]:
    """The descriptions of ``task_id`` usable in ``split``.

    A held-out task's descriptions all belong to its own split; a train task's
    are divided by :func:`description_split`.
    """
    check_split(split)
    t = get_task(task_id)
    if t.split != "train":
        return list(t.descriptions) if t.split == split else []
    return [d for d in t.descriptions if description_split(d) == split]


def held_out_kind(task_id: str, description: str) -> str:
    """"task" (unseen task), "description" (unseen phrasing of a trained task) or "train"."""
    t = get_task(task_id)
    if t.split != "train":
        return "task"
    return "train" if description_split(description) == "train" else "description"


# --------------------------------------------------------------------------------------
# Records.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillsConfig:
    """Shape of skill records.

    min_inputs, max_inputs: task inputs (questions) per record.
    noop_frac: share of make_skill records that are no-op controls (kind "skill_noop").
    held_out: for val/test, which pool: "task" (unseen tasks), "description"
      (unseen descriptions of train tasks) or "any" (both). Ignored for train.
    """

    min_inputs: int = 4
    max_inputs: int = 8
    noop_frac: float = 0.1
    held_out: str = "any"

    def __post_init__(self) -> None:
        if not 1 <= self.min_inputs <= self.max_inputs <= 32:
            raise ValueError(f"need 1 <= min_inputs <= max_inputs <= 32, got {self.min_inputs}, {self.max_inputs}")
        if not 0.0 <= self.noop_frac <= 1.0:
            raise ValueError(f"noop_frac must be in [0, 1], got {self.noop_frac}")
        if self.held_out not in ("any", "task", "description"):
            raise ValueError(f"held_out must be 'any', 'task' or 'description', got {self.held_out!r}")


def _pool(split: str, held_out: str) -> list[Task]:
    """Tasks with at least one description usable in ``split`` under ``held_out``."""
    out = []
    for t in tasks():
        is_task_holdout = t.split != "train"
        if split != "train" and held_out != "any" and is_task_holdout != (held_out == "task"):
            continue
        if descriptions(t.id, split):
            out.append(t)
    return out


def _family_first(pool: Sequence[Task], rng: random.Random) -> Task:
    """A task drawn family-uniformly, so a parameterised family (17 prefixes) counts as one behaviour."""
    families = sorted({t.family for t in pool})
    family = rng.choice(families)
    return rng.choice([t for t in pool if t.family == family])


def _distinct_inputs(sample: Sampler, rng: random.Random, k: int) -> list[str]:
    seen: dict[str, None] = {}
    for _ in range(20 * k):
        seen.setdefault(sample(rng), None)
        if len(seen) == k:
            break
    return list(seen)


def skill_record(task: Task, description: str, inputs: Iterable[str], record_id: str) -> Record:
    """A skill record: ``description`` as the document, each input with its solved target."""
    qas = []
    for inp in inputs:
        target = task.solve(inp)
        qas.append(QA(inp, (target,), target))
    return Record(record_id, description, tuple(qas), KIND)


def make_skill(cfg: SkillsConfig, rng: random.Random, split: str, *, record_id: str | None = None) -> Record:
    """One skill record of ``split`` (kind "skill"), or with probability ``noop_frac`` a no-op control.

    The record id is ``skill-{task_id}-{split}-{hex}`` (see :func:`task_of`).
    """
    check_split(split)
    if rng.random() < cfg.noop_frac:
        return make_noop(cfg, rng, split, record_id=record_id)
    pool = _pool(split, cfg.held_out if split != "train" else "any")
    if not pool:
        raise ValueError(f"no skill task has {split} descriptions under held_out={cfg.held_out!r}")
    task = _family_first(pool, rng)
    description = rng.choice(descriptions(task.id, split))
    inputs = _distinct_inputs(task.sample, rng, rng.randint(cfg.min_inputs, cfg.max_inputs))
    rid = record_id or f"skill-{task.id}-{split}-{rng.getrandbits(48):012x}"
    return skill_record(task, description, inputs, rid)


# --------------------------------------------------------------------------------------
# No-op control.
# --------------------------------------------------------------------------------------

NOOP_FIXED = (
    "Be helpful.", "You are a helpful assistant.", "Answer the question.", "Do your best.", "Be polite.",
    "Reply naturally.", "Just answer normally.", "You are a friendly assistant.", "Be honest.",
    "Help the user.", "Answer as usual.", "Be clear.", "Respond to the user.", "Keep being yourself.",
    "Nothing special is needed.", "Be kind to the user.",
    "The museum opens at nine on weekdays.", "Penguins live in the southern hemisphere.",
    "My cousin bought a red bicycle last week.", "Tea tastes better with a little honey.",
    "The train to the coast was late again.", "Our office moved to the third floor.",
    "The library closes early on Sundays.", "It rained all afternoon in the valley.",
    "The bakery sells bread with sunflower seeds.", "Lighthouses were once kept by families.",
)


@functools.lru_cache(maxsize=1)
def noop_descriptions() -> tuple[str, ...]:
    """Fixed no-op instructions plus generated irrelevant sentences ("The quiet tiger is near the bridge.")."""
    gen = [f"The {adj} {a} is {place} {b}."
           for adj, (a, b), place in zip(ADJECTIVES * 4, itertools.permutations(NOUNS[:20], 2), PLACES * 20)]
    return tuple(dict.fromkeys(NOOP_FIXED + tuple(gen)))


def noop_split(text: str) -> str:
    """Split of a no-op description (stable hash, 80/10/10)."""
    r = _stable_rank(f"skills:noop:{text}") % 100
    return "train" if r < 80 else "val" if r < 90 else "test"


def make_noop(cfg: SkillsConfig, rng: random.Random, split: str, *, record_id: str | None = None) -> Record:
    """A no-op control (kind "skill_noop"): a description asking nothing, general questions, plain answers.

    The target is the question bank's plain sentence, a stand-in for the
    base's own reply; replace it with :func:`with_base_targets` to distil.
    """
    check_split(split)
    description = rng.choice([d for d in noop_descriptions() if noop_split(d) == split])
    inputs = _distinct_inputs(_question, rng, rng.randint(cfg.min_inputs, cfg.max_inputs))
    qas = tuple(QA(q, (_plain_answer(q),), _plain_answer(q)) for q in inputs)
    rid = record_id or f"skillnoop-{split}-{rng.getrandbits(48):012x}"
    return Record(rid, description, qas, NOOP_KIND)


def with_base_targets(records: Iterable[Record], generate: Callable[[str], str]) -> list[Record]:
    """No-op records with targets replaced by ``generate(question)`` (the base's greedy reply, no adapter).

    Skill records pass through unchanged. An empty generation keeps the stand-in target.
    """
    out = []
    for rec in records:
        if rec.kind != NOOP_KIND:
            out.append(rec)
            continue
        qas = []
        for qa in rec.questions:
            text = generate(qa.question).strip() or qa.target
            qas.append(QA(qa.question, (text,), text))
        out.append(replace(rec, questions=tuple(qas)))
    return out


# --------------------------------------------------------------------------------------
# Looking tasks up from records; sets.
# --------------------------------------------------------------------------------------


def task_of(record_id: str) -> str:
    """The task id inside a record id ("skill-upper_json-test-..." -> "upper_json"); "noop" for controls.

    >>> task_of("skill-reverse_words-train-0a1b")
    'reverse_words'
    """
    if record_id.startswith("skillnoop-"):
        return NOOP_TASK
    parts = record_id.split("-")
    if len(parts) < 2 or parts[0] != "skill" or not parts[1]:
        raise ValueError(f"{record_id!r} is not a skill record id (expected 'skill-<task>-...')")
    return parts[1]


def check(task_or_record_id: str, inp: str, out: str) -> bool:
    """Whether ``out`` follows the skill for input ``inp``; takes a task id or a skill record id."""
    tid = task_of(task_or_record_id) if task_or_record_id.startswith("skill") else task_or_record_id
    if tid == NOOP_TASK:
        raise ValueError("no-op records have no checker; compare the adapter's answer with the base's")
    return get_task(tid).check(inp, out)


def target(task_id: str, inp: str) -> str:
    """The correct output of ``task_id`` for input ``inp`` (the SFT target)."""
    return get_task(task_id).solve(inp)


def few_shot_examples(task_id: str, rng: random.Random, k: int = 3, exclude: str = "") -> list[tuple[str, str]]:
    """``k`` (input, output) demonstrations of ``task_id``, none equal to ``exclude``."""
    t = get_task(task_id)
    inputs = [x for x in _distinct_inputs(t.sample, rng, k + 1) if x != exclude][:k]
    return [(x, t.solve(x)) for x in inputs]


def skills_set(n: int, seed: int, split: str, cfg: SkillsConfig = SkillsConfig()) -> list[Record]:
    """``n`` records of ``split``, reproducible from ``seed`` (record ``i`` has its own rng)."""
    check_split(split)
    return [make_skill(cfg, random.Random(f"skills:{split}:{seed}:{i}"), split) for i in range(n)]


def skills_eval_set(seed: int = 11, split: str = "test", n_desc_tasks: int = 14, descs_per_task: int = 2,
                    n_inputs: int = 5, n_noop: int = 4) -> list[Record]:
    """A fixed evaluation set: every held-out task of ``split`` and ``n_desc_tasks`` trained tasks
    with held-out descriptions, ``descs_per_task`` descriptions each, ``n_inputs`` inputs a
    description, plus ``n_noop`` no-op controls. Ids say which (``skill-<task>-<split>task-...``
    or ``...-<split>desc-...``)."""
    check_split(split)
    rng = random.Random(f"skills:eval:{split}:{seed}")
    first = [t for t in tasks() if t.catalogue == 1]  # the shipped sets predate the widened catalogue
    held = [t for t in first if t.split == split]
    trained = [t for t in first if t.split == "train" and descriptions(t.id, split)]
    trained = _spread(trained, n_desc_tasks, rng)
    records = []
    for kind, group in (("task", held), ("desc", trained)):
        for t in group:
            pool = descriptions(t.id, split)
            for j, d in enumerate(rng.sample(pool, min(descs_per_task, len(pool)))):
                inputs = _distinct_inputs(t.sample, rng, n_inputs)
                records.append(skill_record(t, d, inputs, f"skill-{t.id}-{split}{kind}-{seed}-{j}"))
    cfg = SkillsConfig(min_inputs=n_inputs, max_inputs=n_inputs)
    records += [make_noop(cfg, rng, split, record_id=f"skillnoop-{split}-{seed}-{i}") for i in range(n_noop)]
    return records


def skills_family_eval_set(seed: int = 19, split: str = "test", descs_per_task: int = 3,
                           n_inputs: int = 3) -> list[Record]:
    """Every task of the held-out *families* of ``split`` (widened catalogue), ``descs_per_task``
    descriptions each, ``n_inputs`` inputs a description. Ids: ``skill-<task>-<split>family-<seed>-<j>``."""
    check_split(split)
    if split == "train":
        raise ValueError("held-out families live in val or test")
    rng = random.Random(f"skills:family-eval:{split}:{seed}")
    records = []
    for t in tasks():
        if t.holdout != "family" or t.split != split:
            continue
        for j, d in enumerate(rng.sample(t.descriptions, min(descs_per_task, len(t.descriptions)))):
            inputs = _distinct_inputs(t.sample, rng, n_inputs)
            records.append(skill_record(t, d, inputs, f"skill-{t.id}-{split}family-{seed}-{j}"))
    return records


def held_out_families(split: str) -> list[str]:
    """Families held out whole in ``split`` (val or test), sorted."""
    check_split(split)
    return sorted({t.family for t in tasks() if t.holdout == "family" and t.split == split})


def _spread(pool: Sequence[Task], n: int, rng: random.Random) -> list[Task]:
    """Up to ``n`` tasks, one per family first (round-robin over shuffled families)."""
    by_family: dict[str, list[Task]] = {}
    for t in pool:
        by_family.setdefault(t.family, []).append(t)
    lists = [rng.sample(v, len(v)) for _, v in sorted(by_family.items())]
    rng.shuffle(lists)
    picked = [t for round_ in itertools.zip_longest(*lists) for t in round_ if t is not None]
    return sorted(picked[:n], key=lambda t: t.id)
