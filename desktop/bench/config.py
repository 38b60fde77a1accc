"""What a bench run measures (sections, sizes, repeats) and one table row: ours vs comparison, with a target.

>>> Row("teach", "256 tok", "s", 0.5, 2.0, "prefill").ratio
0.25
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

SCHEMA_VERSION = 1
SECTIONS = ("teach", "question", "swap", "memory", "quality", "ingest", "variants")
DEFAULT_SIZES = (256, 1024, 4096, 16384)
QUICK_SIZES = (256, 1024)
EVAL_SET = "facts_test_20.jsonl"
TOO_LONG = "n/a: exceeds window"
KV_BYTES_F16 = 2  # llama.cpp's default K/V cache type is f16
TARGET_TOKENS = 4096  # the document size the first-token and memory targets are set at
RSS_SETUP_TARGET = 1e9  # bytes resident after set-up (base + hypernetwork)
RSS_LIBRARY_TARGET = 1.2e9  # bytes resident after 100 adapters were activated one after another

# What each section's comparison column holds (printed above its rows).
VERSUS = {
    "teach": "ours: tokenize + hypernetwork + GGUF write + hot-load | vs: llama.cpp prefill of the in-context prompt",
    "question": "ours: adapter active, question alone | vs: document in the prompt (base only)",
    "swap": "ours: set_active (KV cache parked per adapter set) + first token | vs: base loaded anew with the adapter + first token",
    "memory": "adapter file vs f16 KV cache of the same document; RSS vs RSS with none",
    "quality": "accuracy (contains an accepted answer) vs the in-context mode, same questions",
    "ingest": "teach a folder of small files vs prefilling each file once",
    "variants": "int8 ONNX hypernetwork (dynamic quantization: int8 weights, int8 activations at run time) vs the shipped fp32",
}


@dataclass(frozen=True)
class BenchConfig:
    """What one bench run measures and how often."""

    sizes: tuple[int, ...] = DEFAULT_SIZES  # document sizes in tokens
    skip: frozenset[str] = frozenset()
    repeats: int = 3  # teach / prefill / question timings: median of this many
    once_from: int = 4096  # documents this long are timed once (each run lasts seconds)
    swap_repeats: int = 20
    reload_repeats: int = 5
    answer_tokens: int = 20
    active_counts: tuple[int, ...] = (1, 4, 16)
    library_counts: tuple[int, ...] = (0, 10, 100)
    eval_set: Path | None = None  # None: bench/data/facts_test_20.jsonl, rebuilt from its seed if absent
    eval_limit: int | None = None
    eval_max_tokens: int = 32
    ingest_files: int = 100
    variant_tokens: int = 1024
    progress: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(sorted(set(self.sizes))))
        if not self.sizes or min(self.sizes) < 32:
            raise ValueError(f"sizes must be token counts >= 32, got {self.sizes}")
        bad = set(self.skip) - set(SECTIONS)
        if bad:
            raise ValueError(f"unknown section(s) {sorted(bad)} in --skip; choose from {', '.join(SECTIONS)}")
        if min(self.repeats, self.swap_repeats, self.reload_repeats, self.answer_tokens, self.ingest_files) < 1:
            raise ValueError("repeats, answer_tokens and ingest_files must be >= 1")
        if 0 not in self.library_counts or min(self.active_counts) < 1:
            raise ValueError("library_counts must include 0 (the reference) and active_counts must be >= 1")

    def reps(self, n_tokens: int) -> int:
        return 1 if n_tokens >= self.once_from else self.repeats

    @classmethod
    def quick(cls, **kw) -> "BenchConfig":
        """A smoke run (under 5 minutes on 2 CPU cores): two sizes, one repeat, 3 eval documents, 10 files."""
        base = dict(sizes=QUICK_SIZES, repeats=1, swap_repeats=5, reload_repeats=2, eval_limit=3, ingest_files=10)
        return cls(**{**base, **kw})


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure, the comparison from the same run, and the ratio ours / comparison."""

    section: str
    name: str
    unit: str  # s | bytes | accuracy | files/min | rel
    ours: float | None
    comparison: float | None
    vs: str  # what the comparison is
    note: str = ""
    target: str = ""  # e.g. "<= 1.0x"; empty where none applies
    ok: bool | None = None  # target met; None where not evaluated

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.comparison:
            return None
        return self.ours / self.comparison

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def with_target(row: Row, text: str, max_ratio: float | None = None, max_ours: float | None = None) -> Row:
    """``row`` with a target: the ratio at most ``max_ratio`` and/or our figure at most ``max_ours``.

    >>> with_target(Row("t", "x", "s", 0.5, 2.0, "p"), "<= 1.0x", max_ratio=1.0).ok
    True
    """
    checks = []
    if max_ratio is not None:
        checks.append(None if row.ratio is None else row.ratio <= max_ratio)
    if max_ours is not None:
        checks.append(None if row.ours is None else row.ours <= max_ours)
    ok = None if None in checks else all(checks)
    return replace(row, target=text, ok=ok)


