"""Question-answering evaluation: run every question in every mode, score by accepted strings, summarise, plot (no torch).

Modes: ``base`` (question alone), ``icl`` (document in the prompt), ``lora``
(question alone, the document's adapter active), ``auto`` (every document
taught first; the answerer picks the adapters for each question itself) and
``all`` (every document taught first; all adapters active at once). The
caller supplies how to teach and how to answer, so the same loop measures the
user's path.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

MODES = ("base", "icl", "lora")  # the default set
TEACH_FIRST = ("auto", "all")  # opt-in modes that need every record taught before the first question

Teach = Callable[[str, str], str]  # (record id, document) -> adapter key
Answer = Callable[[str, str, str | None, str | None], str]  # (mode, question, document, adapter key) -> text


def is_correct(answer: str, accepted: Iterable[str]) -> bool:
    """An answer is correct when it contains any accepted string, case-insensitive.

    >>> is_correct("It is Petra.", ["petra lindqvist", "Petra"])
    True
    """
    low = answer.lower()
    return any(a.lower() in low for a in accepted if a)


@dataclass(frozen=True)
class Row:
    """One question asked in one mode."""

    record: str
    question: str
    mode: str
    answer: str
    correct: bool
    seconds: float


def parse_modes(text: str, valid: Sequence[str] = MODES + TEACH_FIRST) -> tuple[str, ...]:
    """Comma-separated modes -> tuple; ValueError naming the ``valid`` ones."""
    modes = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in modes if m not in valid]
    if bad or not modes:
        raise ValueError(f"unknown mode(s) {bad}; choose from {', '.join(valid)}")
    return modes


def run_eval(records: Sequence, modes: Sequence[str], teach: Teach, answer: Answer,
             on_row: Callable[[Row], None] | None = None, fits_context: Callable[[str, str], bool] | None = None) -> list[Row]:
    """Ask every question of every record in every mode; ``records`` carry .id, .document, .questions.

    ``fits_context(document, question)`` says whether the in-context prompt fits the
    base's window; when it does not, the icl row is scored wrong with answer "<too long>".
    ``answer`` gets the record's own adapter key in modes lora and auto (auto: to score its choice only).
    """
    rows: list[Row] = []
    first = [teach(rec.id, rec.document) for rec in records] if set(TEACH_FIRST) & set(modes) else None
    for n, rec in enumerate(records):
        key = first[n] if first else (teach(rec.id, rec.document) if "lora" in modes else None)
        for qa in rec.questions:
            for mode in modes:
                t0 = time.perf_counter()
                if mode == "icl" and fits_context is not None and not fits_context(rec.document, qa.question):
                    text = "<too long>"
                else:
                    text = answer(mode, qa.question, rec.document if mode == "icl" else None,
                                  key if mode in ("lora", "auto") else None)
                ok = text != "<too long>" and is_correct(text, qa.answers)
                row = Row(rec.id, qa.question, mode, text, ok, time.perf_counter() - t0)
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def summarise(rows: Sequence[Row]) -> dict:
    """Accuracy and mean seconds per mode, plus counts."""
    out = {}
    for mode in dict.fromkeys(r.mode for r in rows):
        sel = [r for r in rows if r.mode == mode]
        out[mode] = {"accuracy": sum(r.correct for r in sel) / len(sel), "n": len(sel),
                     "mean_seconds": sum(r.seconds for r in sel) / len(sel)}
    return out


def report(rows: Sequence[Row], meta: dict) -> dict:
    return {"summary": summarise(rows), "meta": meta, "rows": [asdict(r) for r in rows]}


def plot(summary: dict, path: Path, title: str) -> Path:
    """Bar chart of accuracy per mode (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(summary)
    accs = [summary[m]["accuracy"] for m in modes]
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
    bars = ax.bar(modes, accs, color=["#9aa5b1", "#3e7cb1", "#e07a1f", "#5b8c5a", "#8e6bb0"][:len(modes)])
    for b, a, m in zip(bars, accs, modes):
        ax.text(b.get_x() + b.get_width() / 2, a + 0.02, f"{a:.0%}\n(n={summary[m]['n']})", ha="center", fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
