"""The training run's configuration: :class:`TrainConfig` (read from JSON at the CLI edge) and ``--set`` overrides.

Torch-free: the data, batch and hypernetwork settings are dicts of overrides for their own configs
(:class:`engine.data.facts.FactsConfig`, :class:`engine.train.batches.BatchConfig`, ...), checked where they are built.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; read from a JSON file at the CLI edge."""

    out_dir: str
    base_path: str | None = None  # None = the embedded base
    steps: int = 4000  # length of the LR schedule (runs resume until they reach it)
    max_minutes: float = 8.0  # stop (and checkpoint) after this much wall time
    batch_docs: int = 32  # the global batch: under DDP each of the N ranks builds batch_docs / N of it
    lr: float = 3e-4
    warmup: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    adam_betas: tuple[float, float] = (0.9, 0.95)  # AdamW's (beta1, beta2)
    needle_frac: float = 0.2
    needle_prose_frac: float = 0.5
    needle_tokens: tuple[int, int] = (32, 256)
    needle_name_frac: float = 0.0  # share of needles that hide a name instead of a number (engine.data.needle)
    skill_frac: float = 0.0  # share of skill records (an instruction as the document; T2L through the same hypernet)
    narrative_frac: float = 0.0  # share of the facts draws written as narrative prose (engine.data.narrative)
    realtext_frac: float = 0.0  # share of real documents with pattern questions (engine.data.realtext)
    realtext_path: str = ""  # xz JSONL of the training split's realtext records (needed when realtext_frac > 0)
    realtext_val_path: str = ""  # xz JSONL of the validation split's realtext records (realtext_* eval metrics)
    ce_weight: float = 1.0
    kl_weight: float = 1.0
    kl_topk: int = 16
    l1_weight: float = 0.1
    l1_copy: bool = True  # the L1 penalty also covers the copy slots' A and B (HypernetConfig.copy_rank)
    copy_pointer_weight: float = 0.0  # weight of the copy slots' pointer loss (engine.nn.hypernet.copy_pointer_nll)
    copy_gate_weight: float = 0.0  # weight of the copy gate's cross-entropy (engine.nn.hypernet.copy_supervision)
    length_groups: int = 1  # student and teacher rows run in up to this many groups of similar length (1: one padded run)
    seed: int = 0
    val_seed: int = 99  # the held-out sets: facts from val_seed, needles val_seed - 1, skills val_seed - 2
    log_every: int = 20
    eval_every: int = 250
    eval_docs: int = 48
    ckpt_every: int = 500
    bf16: bool = True
    workers: int = 0  # data-building processes (the GPU run uses several; CPU tests use 0)
    init_from: str | None = None  # a checkpoint or bundle whose weights start a fresh run (warm start)
    hypernet: dict = field(default_factory=dict)  # HypernetConfig overrides
    batch: dict = field(default_factory=dict)  # BatchConfig overrides
    facts: dict = field(default_factory=dict)  # FactsConfig overrides
    skills: dict = field(default_factory=dict)  # SkillsConfig overrides
    narrative: dict = field(default_factory=dict)  # NarrativeConfig overrides

    def __post_init__(self) -> None:
        if self.steps <= 0 or self.batch_docs <= 0 or self.max_minutes <= 0:
            raise ValueError("steps, batch_docs and max_minutes must be positive")
        if not (0 <= self.needle_frac and 0 <= self.skill_frac and self.needle_frac + self.skill_frac <= 1):
            raise ValueError("needle_frac and skill_frac must be >= 0 and sum to at most 1")
        if not 0 <= self.narrative_frac <= 1:
            raise ValueError(f"narrative_frac must be in [0, 1], got {self.narrative_frac}")
        if not (0 <= self.realtext_frac and self.needle_frac + self.skill_frac + self.realtext_frac <= 1):
            raise ValueError("realtext_frac must be >= 0 and needle_frac + skill_frac + realtext_frac at most 1")
        if self.length_groups < 1:
            raise ValueError(f"length_groups must be >= 1, got {self.length_groups}")
        if self.realtext_frac > 0 and not self.realtext_path:
            raise ValueError("realtext_frac > 0 needs realtext_path: build it with python -m engine.data.realtext make")

    @classmethod
    def from_json(cls, path: Path, **overrides) -> "TrainConfig":
        raw = json.loads(Path(path).read_text())
        raw.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("needle_tokens", "adam_betas"):
            if key in raw:
                raw[key] = tuple(raw[key])
        return cls(**raw)


def parse_overrides(items: list[str]) -> dict:
    """``["batch_docs=64", "facts={\"max_tokens\": 300}"]`` -> {field: value}; values are JSON (else plain strings)."""
    known = {f.name for f in fields(TrainConfig)}
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            raise SystemExit(f"--set {item!r}: expected FIELD=VALUE with FIELD one of {sorted(known)}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out
