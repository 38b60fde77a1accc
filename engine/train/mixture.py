"""The training data mixture: fact documents, needle haystacks, skills, narrative prose and real documents.

Each draw picks a kind with the shares of :class:`engine.train.config.TrainConfig` from its own generator, so a run's
records are reproducible; real documents (realtext) are pre-made records read from an xz JSONL. Torch-free.
"""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from engine.data.facts import FactsConfig, make_document
from engine.data.narrative import NarrativeConfig, make_narrative
from engine.data.needle import NeedleConfig, make_needle
from engine.data.realtext import read_records_xz
from engine.data.records import Record
from engine.data.skills import SkillsConfig, make_skill
from engine.train.config import TrainConfig


def sample_records(cfg: TrainConfig, rng: random.Random, n: int, split: str, count_tokens,
                   realtext: Sequence[Record] = ()) -> list[Record]:
    """A mixture of fact documents, needle haystacks, skills and (``realtext_frac``) real documents drawn from
    ``realtext``, the pre-made records of ``split`` (:func:`load_realtext`)."""
    facts_cfg, skills_cfg = FactsConfig(**cfg.facts), SkillsConfig(**{"noop_frac": 0.0, **cfg.skills})
    out = []
    for _ in range(n):
        u = rng.random()
        if u < cfg.needle_frac:
            ncfg = NeedleConfig(n_tokens=rng.randint(*cfg.needle_tokens), prose=rng.random() < cfg.needle_prose_frac)
            if cfg.needle_name_frac > 0 and rng.random() < cfg.needle_name_frac:  # no draw at 0: old streams stay
                ncfg = replace(ncfg, value="name")
            out.append(make_needle(ncfg, rng, count_tokens=count_tokens, split=split))
        elif u < cfg.needle_frac + cfg.skill_frac:
            out.append(make_skill(skills_cfg, rng, split))
        elif cfg.realtext_frac > 0 and u < cfg.needle_frac + cfg.skill_frac + cfg.realtext_frac:  # at 0: old streams
            if not realtext:
                raise ValueError("realtext_frac > 0 but no realtext records were given (TrainConfig.realtext_path)")
            out.append(realtext[rng.randrange(len(realtext))])
        elif cfg.narrative_frac > 0 and rng.random() < cfg.narrative_frac:  # no draw at 0: old streams stay
            out.append(make_narrative(NarrativeConfig(**cfg.narrative), rng, split, count_tokens=count_tokens))
        else:
            out.append(make_document(facts_cfg, rng, split, count_tokens=count_tokens))
    return out


def load_realtext(path: str) -> list[Record]:
    """The realtext records of one split (an xz JSONL of engine.data.realtext), in file order."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"realtext records {path!r} not found: build them with "
                                "python -m engine.data.corpus build and python -m engine.data.realtext make")
    return read_records_xz(path)


def val_realtext(cfg: TrainConfig) -> list[Record]:
    """``cfg.eval_docs`` validation realtext records (a fixed sample), or none without ``realtext_val_path``."""
    if not cfg.realtext_val_path:
        return []
    records = load_realtext(cfg.realtext_val_path)
    return random.Random(96).sample(records, min(cfg.eval_docs, len(records)))
