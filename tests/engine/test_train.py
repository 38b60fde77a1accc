"""Meta-training on the tiny model: a run, a resume, checkpoint limits, and 2-process DDP (gloo) on CPU."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.checkpoint import load_hypernet
from engine.train import TrainConfig, train

CONFIG = Path(__file__).resolve().parents[2] / "engine/configs/d2l_tiny.json"


@pytest.fixture(scope="module")
def tokenize(tiny_spec):
    import llama_cpp

    llm = llama_cpp.Llama(str(tiny_spec.path), vocab_only=True, verbose=False)
    return lambda text: llm.tokenize(text.encode(), add_bos=False, special=True)


def test_train_checkpoints_and_resumes(tmp_path, tiny_spec, tokenize):
    out = tmp_path / "run"
    cfg = TrainConfig.from_json(CONFIG, out_dir=str(out), base_path=str(tiny_spec.path), steps=4)
    first = train(cfg, tokenize=tokenize)
    assert first["step"] == 4 and first["loss"] > 0
    ckpt = out / "checkpoint"
    assert {p.name for p in ckpt.iterdir()} >= {"hypernet.safetensors", "config.json", "optim_m.safetensors",
                                                 "optim_v.safetensors", "trainer.json"}
    assert all(p.stat().st_size <= 16e6 for p in ckpt.iterdir())
    resumed = train(TrainConfig.from_json(CONFIG, out_dir=str(out), base_path=str(tiny_spec.path), steps=6), tokenize=tokenize)
    assert resumed["step"] == 6
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("eval" in r for r in rows) and max(r["step"] for r in rows) == 6
    hn, cfg_json = load_hypernet(out / "export", tiny_spec.sha256)
    assert cfg_json["step"] == 6 and hn.cfg.rank == 4


def test_resume_matches_an_uninterrupted_run(tmp_path, tiny_spec, tokenize):
    a, b = tmp_path / "a", tmp_path / "b"
    train(TrainConfig.from_json(CONFIG, out_dir=str(a), base_path=str(tiny_spec.path), steps=4), tokenize=tokenize)
    train(TrainConfig.from_json(CONFIG, out_dir=str(b), base_path=str(tiny_spec.path), steps=2), tokenize=tokenize)
    train(TrainConfig.from_json(CONFIG, out_dir=str(b), base_path=str(tiny_spec.path), steps=4), tokenize=tokenize)
    ha, _ = load_hypernet(a / "checkpoint")
    hb, _ = load_hypernet(b / "checkpoint")
    for (name, pa), pb in zip(ha.state_dict().items(), hb.state_dict().values()):
        # Adam moments travel in bf16, so a resumed run is close to, not bit-equal with, an uninterrupted one
        assert (pa - pb).abs().max() < 5e-3, name


def test_warm_start_copies_weights_from_a_bundle(tmp_path, tiny_spec, tokenize):
    a, b = tmp_path / "a", tmp_path / "b"
    train(TrainConfig.from_json(CONFIG, out_dir=str(a), base_path=str(tiny_spec.path), steps=2), tokenize=tokenize)
    train(TrainConfig.from_json(CONFIG, out_dir=str(b), base_path=str(tiny_spec.path), steps=1, lr=0.0,
                                init_from=str(a / "export")), tokenize=tokenize)
    src, _ = load_hypernet(a / "export")
    got, _ = load_hypernet(b / "checkpoint")
    for (name, ps), pg in zip(src.state_dict().items(), got.state_dict().values()):
        assert torch_equal(ps, pg), name  # lr 0: the run kept exactly the weights it started from


def torch_equal(x, y) -> bool:
    return bool((x == y).all())


@pytest.mark.parametrize("nproc", [1, 2])
def test_ddp_under_torchrun_gloo_stays_in_sync(tmp_path, tiny_spec, nproc):
    """torchrun with one process also takes the DDP path (the 1-GPU check of the multi-GPU issue)."""
    env = {**os.environ, "PYTHONPATH": str(CONFIG.parents[2]), "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1",
           "GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}  # loopback only
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1", f"--master_port={29516 + nproc}",
           "-m", "engine.train", "--config", str(CONFIG), "--out-dir", str(tmp_path / "ddp"),
           "--base", str(tiny_spec.path), "--steps", "3"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "ddp/metrics.jsonl").read_text().splitlines()]
    sums = [r for r in rows if "ddp_param_checksums" in r][-1]["ddp_param_checksums"]
    assert len(sums) == nproc and len(set(sums)) == 1


def test_mixture_has_skills_and_facts_and_noops_are_distilled():
    import random as _random
    from dataclasses import replace as _replace

    import torch

    from engine.batches import BatchConfig, build_batch
    from engine.data.records import approx_tokens
    from engine.prompts import PromptFormat
    from engine.train import TrainConfig, sample_records

    cfg = TrainConfig(out_dir="unused", needle_frac=0.3, skill_frac=0.4, skills={"noop_frac": 0.4})
    recs = sample_records(cfg, _random.Random(0), 60, "train", approx_tokens)
    kinds = {k: sum(r.kind == k for r in recs) for k in ("facts", "needle", "skill", "skill_noop")}
    assert all(kinds.values()) and sum(kinds.values()) == 60, kinds
    fmt = PromptFormat("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                       "{% if add_generation_prompt %}<|assistant|>{% endif %}")
    tok = lambda s: [ord(c) % 500 for c in s]  # noqa: E731
    batch = build_batch(recs[:24], fmt, tok, BatchConfig(min_chunk_tokens=5, questions_per_doc=2), _random.Random(1))
    doc_kind = [recs[int(d)].kind for d in batch.doc_of_q]
    kind_of_pos = [doc_kind[q] for q in batch.q_of_pos.tolist()]
    assert {"facts", "needle", "skill", "skill_noop"} <= set(kind_of_pos)
    assert torch.equal(batch.kl_mask, torch.tensor([k in ("facts", "skill_noop") for k in kind_of_pos]))
    assert torch.equal(batch.ce_mask, torch.tensor([k != "skill_noop" for k in kind_of_pos]))
    # a no-op's teacher is the plain base: its row is the student's (question only), a document's teacher reads it
    for q, d in enumerate(batch.doc_of_q.tolist()):
        t_cols, s_cols = batch.t_cols[batch.t_rows == q], batch.s_cols[batch.s_rows == q]
        end = int(s_cols[-1]) + 2  # prompt + answer
        if recs[d].kind == "skill_noop":
            assert torch.equal(t_cols, s_cols) and torch.equal(batch.teacher_ids[q, :end], batch.student_ids[q, :end])
        else:
            assert bool((t_cols > s_cols).all()), "the teacher's prompt holds the document"
    # training leaves out the teacher rows nobody distils from (needles, skills): no padding to a long needle
    lean = build_batch(recs[:24], fmt, tok, BatchConfig(min_chunk_tokens=5, questions_per_doc=2), _random.Random(1),
                       all_teacher_rows=False)
    assert torch.equal(lean.student_ids, batch.student_ids) and torch.equal(lean.targets, batch.targets)
    for q, d in enumerate(lean.doc_of_q.tolist()):
        reads = bool((lean.t_cols[lean.t_rows == q] > lean.s_cols[lean.s_rows == q]).all())
        assert reads == (recs[d].kind == "facts"), recs[d].kind
    with pytest.raises(ValueError):
        _replace(cfg, needle_frac=0.7, skill_frac=0.5)


def test_needles_can_be_cut_into_more_chunks_than_other_texts():
    import random as _random

    from engine.batches import BatchConfig, random_chunks

    ids = list(range(2048))
    cfg = BatchConfig(max_chunks=8, needle_max_chunks=64)
    rng = _random.Random(0)
    default = [len(random_chunks(ids, cfg, rng)) for _ in range(200)]
    fine = [random_chunks(ids, cfg, rng, cfg.needle_max_chunks) for _ in range(200)]
    assert max(default) == 8 and min(default) >= 4  # 2048 tokens need 4 chunks of <= 512
    assert max(len(p) for p in fine) > 32
    for pieces in fine:  # every cut keeps all tokens in order and the size bounds
        assert [t for p in pieces for t in p] == ids
        assert all(cfg.min_chunk_tokens <= len(p) <= cfg.chunk_tokens for p in pieces)
    with pytest.raises(ValueError):
        BatchConfig(needle_max_chunks=0)


@pytest.mark.parametrize("name", ["d2l_smollm2.json", "d2l_smollm2_v6.json", "d2l_smollm2_v7.json", "d2l_tiny.json"])
def test_shipped_configs_parse(name):
    from engine.batches import BatchConfig
    from engine.data.facts import FactsConfig
    from engine.data.skills import SkillsConfig

    cfg = TrainConfig.from_json(CONFIG.parent / name)
    BatchConfig(**cfg.batch), FactsConfig(**cfg.facts), SkillsConfig(**cfg.skills)
    if cfg.init_from:  # a warm start must name something in the repository
        assert (CONFIG.parents[2] / cfg.init_from / "config.json").is_file()


def test_held_out_evaluation_reads_needles_in_natural_chunks(monkeypatch):
    """A training-only finer cut of needles (needle_max_chunks) must not reach the held-out evaluation."""
    import random as _random

    import engine.train as tr
    from engine.batches import BatchConfig
    from engine.data.needle import NeedleConfig, make_needle

    class Seen(Exception):
        pass

    def build_batch(recs, fmt, tok, cfg, rng, **kw):
        raise Seen(cfg)

    monkeypatch.setattr(tr, "build_batch", build_batch)
    rec = make_needle(NeedleConfig(n_tokens=600), _random.Random(0))
    with pytest.raises(Seen) as seen:
        tr.evaluate(None, None, [rec], None, None, BatchConfig(needle_max_chunks=48), "cpu")
    cfg = seen.value.args[0]
    assert cfg.max_chunks == 1 and cfg.needle_max_chunks is None
