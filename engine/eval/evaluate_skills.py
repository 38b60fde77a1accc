"""Skill evaluation: ask every skill input in every mode, score it with its task's checker, summarise, plot (no torch).

Modes (the caller's ``answer`` hook decides the exact prompt):

- ``base``: the input alone, no instruction;
- ``in_prompt``: the description is passed as ``context`` (system prompt or before the input);
- ``few_shot``: ``shots`` worked examples of the task are passed as ``context`` instead;
- ``adapter``: the input alone, the description's adapter active;
- ``shuffled``: the input alone, the adapter of a *different* family's description active
  (T2L's known weakness: adapters must react to what the text says, so this must score low).

No-op controls (records of kind ``skill_noop``) are asked in ``base`` and ``adapter``
only; their adapter rows are scored by agreement with the base's answer (normalised
``difflib`` ratio >= ``noop_threshold``), since an instruction that asks for nothing
should change little.

>>> from engine.data.skills import skills_eval_set, target, task_of
>>> recs = [r for r in skills_eval_set(n_desc_tasks=2, n_noop=0) if r.kind == "skill"][:3]
>>> task_by_key = {r.document: task_of(r.id) for r in recs}
>>> perfect = lambda mode, q, ctx, key: target(task_by_key[key], q) if mode == "adapter" else q
>>> teach = lambda description: description
>>> summarise(run_skill_eval(recs, ("base", "adapter"), teach, perfect))["modes"]["adapter"]["accuracy"]
1.0
"""
from __future__ import annotations

import difflib
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from engine.data.records import TokenCounter, approx_tokens
from engine.data.skills import NOOP_KIND, few_shot_examples, get_task, held_out_kind, task_of, words
from engine.eval import evaluate

MODES = ("base", "in_prompt", "few_shot", "adapter", "shuffled")
NOOP_MODES = ("base", "adapter")
HELD_OUT = ("train", "description", "task")

Teach = Callable[[str], str]  # description -> adapter key
Answer = Callable[[str, str, str | None, str | None], str]  # (mode, question, context, adapter key) -> text


@dataclass(frozen=True)
class SkillRow:
    """One input asked in one mode. ``score`` is 1/0 for checked rows, the similarity to base for no-op rows."""

    record: str
    task: str
    family: str
    held_out: str  # train | description | task | noop
    question: str
    mode: str
    answer: str
    correct: bool
    score: float
    seconds: float
    context_tokens: int


def parse_modes(text: str) -> tuple[str, ...]:
    """Comma-separated skill-eval modes -> tuple; ValueError naming the valid ones."""
    return evaluate.parse_modes(text, MODES)


def few_shot_context(task_id: str, question: str, shots: int = 3, seed: str = "") -> str:
    """``shots`` worked examples of ``task_id`` (never ``question`` itself), as one prompt block.

    >>> print(few_shot_context("first_word", "the red apple sees the river", 1, "x"))  # doctest: +ELLIPSIS
    Example input: ...
    Example output: ...
    """
    rng = random.Random(f"skills:few-shot:{task_id}:{seed}:{question}")
    pairs = few_shot_examples(task_id, rng, shots, exclude=question)
    return "\n\n".join(f"Example input: {x}\nExample output: {y}" for x, y in pairs)


def similarity(a: str, b: str) -> float:
    """Word-level similarity in [0, 1] of two answers (case and punctuation ignored).

    >>> similarity("Paris is the capital.", "paris is the capital")
    1.0
    """
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 1.0
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _family(rec) -> str:
    return "noop" if rec.kind == NOOP_KIND else get_task(task_of(rec.id)).family


def shuffled_partners(records: Sequence) -> dict[str, str]:
    """Record id -> the description of the next record (cyclic) of another family, or failing that another task.

    Records without any other task in the set get no partner.
    """
    skills = [r for r in records if r.kind != NOOP_KIND]
    out = {}
    for i, rec in enumerate(skills):
        others = [skills[(i + k) % len(skills)] for k in range(1, len(skills))]
        other_family = [o for o in others if _family(o) != _family(rec)]
        other_task = [o for o in others if task_of(o.id) != task_of(rec.id)]
        pick = (other_family or other_task or [None])[0]
        if pick is not None:
            out[rec.id] = pick.document
    return out


def _context(mode: str, rec, question: str, shots: int) -> str | None:
    if mode == "in_prompt":
        return rec.document
    if mode == "few_shot":
        return few_shot_context(task_of(rec.id), question, shots, rec.id)
    return None


def _ask(mode: str, rec, question: str, key: str | None, answer: Answer, shots: int,
         count_tokens: TokenCounter) -> tuple[str, float, int]:
    context = _context(mode, rec, question, shots)
    t0 = time.perf_counter()
    text = answer(mode, question, context, key)
    return text, time.perf_counter() - t0, count_tokens(context) if context else 0


def run_skill_eval(records: Sequence, modes: Sequence[str], teach: Teach, answer: Answer, *,
                   on_row: Callable[[SkillRow], None] | None = None, count_tokens: TokenCounter = approx_tokens,
                   shots: int = 3, noop_threshold: float = 0.8) -> list[SkillRow]:
    """Ask every input of every record in every mode; ``records`` carry .id, .document, .questions, .kind.

    ``teach(description)`` is called once per distinct description whose adapter a mode
    needs (``shuffled`` reuses the partner record's adapter). ``context_tokens`` is the prompt
    cost of the context (description or examples) in ``count_tokens`` units.
    """
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ValueError(f"unknown mode(s) {bad}; choose from {', '.join(MODES)}")
    partners = shuffled_partners(records) if "shuffled" in modes else {}
    keys: dict[str, str] = {}

    def key_for(description: str) -> str:
        if description not in keys:
            keys[description] = teach(description)
        return keys[description]

    rows: list[SkillRow] = []
    for rec in records:
        noop = rec.kind == NOOP_KIND
        if noop:
            rec_modes = [m for m in modes if m in NOOP_MODES]
        else:
            rec_modes = [m for m in modes if m != "shuffled" or rec.id in partners]
        tid = task_of(rec.id)
        family = _family(rec)
        held = "noop" if noop else held_out_kind(tid, rec.document)
        for qa in rec.questions:
            base_text = None
            for mode in rec_modes:
                desc = rec.document if mode == "adapter" else partners.get(rec.id) if mode == "shuffled" else None
                key = key_for(desc) if desc else None
                text, secs, ctx = _ask(mode, rec, qa.question, key, answer, shots, count_tokens)
                if noop:
                    score = 1.0 if mode == "base" or base_text is None else similarity(text, base_text)
                    base_text = text if mode == "base" else base_text
                    ok = score >= noop_threshold
                else:
                    ok = get_task(tid).check(qa.question, text)
                    score = float(ok)
                row = SkillRow(rec.id, tid, family, held, qa.question, mode, text, ok, score, secs, ctx)
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def _accuracy(rows: Sequence[SkillRow]) -> dict:
    return {"accuracy": sum(r.correct for r in rows) / len(rows), "n": len(rows),
            "mean_seconds": sum(r.seconds for r in rows) / len(rows),
            "mean_context_tokens": sum(r.context_tokens for r in rows) / len(rows)}


def _by(rows: Sequence[SkillRow], field: str) -> dict:
    out: dict = {}
    for value in sorted({getattr(r, field) for r in rows}):
        sel = [r for r in rows if getattr(r, field) == value]
        out[value] = {m: _accuracy([r for r in sel if r.mode == m])
                      for m in dict.fromkeys(r.mode for r in sel)}
    return out


def summarise(rows: Sequence[SkillRow]) -> dict:
    """Accuracy per mode, per held-out kind x mode and per family x mode; no-op agreement apart.

    ``noop`` holds the adapter rows of no-op records: ``unchanged`` (share at or above
    the threshold) and ``mean_similarity`` to the base's answer.
    """
    checked = [r for r in rows if r.held_out != "noop"]
    modes = dict.fromkeys(r.mode for r in checked)
    out: dict = {"modes": {m: _accuracy([r for r in checked if r.mode == m]) for m in modes},
                 "held_out": _by(checked, "held_out"), "families": _by(checked, "family")}
    noop = [r for r in rows if r.held_out == "noop" and r.mode == "adapter"]
    if noop:
        out["noop"] = {"n": len(noop), "unchanged": sum(r.correct for r in noop) / len(noop),
                       "mean_similarity": sum(r.score for r in noop) / len(noop)}
    return out


def report(rows: Sequence[SkillRow], meta: dict) -> dict:
    """The JSON report: summary, caller's meta, every row."""
    return {"summary": summarise(rows), "meta": meta, "rows": [asdict(r) for r in rows]}


COLORS = {"base": "#9aa5b1", "in_prompt": "#3e7cb1", "few_shot": "#7b5ea7", "adapter": "#e07a1f",
          "shuffled": "#c94f4f"}


def plot(summary: dict, path: Path, title: str) -> Path:
    """Two panels (PNG): success per mode, and per held-out kind (train / description / task) x mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(summary["modes"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=120, gridspec_kw={"width_ratios": [1, 1.6]})
    accs = [summary["modes"][m]["accuracy"] for m in modes]
    bars = ax1.bar(modes, accs, color=[COLORS[m] for m in modes])
    for b, a, m in zip(bars, accs, modes):
        ax1.text(b.get_x() + b.get_width() / 2, a + 0.02, f"{a:.0%}\n(n={summary['modes'][m]['n']})",
                 ha="center", fontsize=7)
    ax1.set_ylim(0, 1.2)
    ax1.set_ylabel("success (task checker)")
    ax1.tick_params(axis="x", labelsize=7)
    kinds = [k for k in HELD_OUT if k in summary["held_out"]]
    width = 0.8 / max(1, len(modes))
    for j, m in enumerate(modes):
        xs = [i + (j - (len(modes) - 1) / 2) * width for i in range(len(kinds))]
        ys = [summary["held_out"][k].get(m, {}).get("accuracy", 0.0) for k in kinds]
        ax2.bar(xs, ys, width, label=m, color=COLORS[m])
    ax2.set_xticks(range(len(kinds)), [f"{k}" for k in kinds])
    ax2.set_ylim(0, 1.05)
    ax2.set_xlabel("held out")
    ax2.legend(fontsize=7, ncol=len(modes), loc="upper center", bbox_to_anchor=(0.5, 1.12))
    noop = summary.get("noop")
    suffix = f" | no-op unchanged {noop['unchanged']:.0%} (n={noop['n']})" if noop else ""
    fig.suptitle(title + suffix, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
