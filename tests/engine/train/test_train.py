"""Meta-training on the tiny model: a run, a resume, checkpoint limits, and 2-process DDP (gloo) on CPU."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.train.checkpoint import load_hypernet
from engine.train.config import TrainConfig
from engine.train.loop import train

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / "engine/train/configs/d2l_tiny.json"


@pytest.fixture(scope="module")
def tokenize(tiny_spec):
    from engine.core.llama_load import load_vocab

    llm = load_vocab(tiny_spec.path)
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


def test_warm_start_adds_fresh_copy_slots_and_refuses_to_drop_them(tmp_path, tiny_spec, tokenize):
    from engine.train.checkpoint import CheckpointError

    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    tiny = json.loads(CONFIG.read_text())["hypernet"]
    train(TrainConfig.from_json(CONFIG, out_dir=str(a), base_path=str(tiny_spec.path), steps=2), tokenize=tokenize)
    train(TrainConfig.from_json(CONFIG, out_dir=str(b), base_path=str(tiny_spec.path), steps=1, lr=0.0,
                                hypernet={**tiny, "copy_rank": 2}, init_from=str(a / "export")), tokenize=tokenize)
    src, _ = load_hypernet(a / "export")
    got, _ = load_hypernet(b / "checkpoint")
    assert got.cfg.copy_rank == 2 and src.cfg.copy_rank == 0
    for name, w in src.state_dict().items():
        assert torch_equal(w, got.state_dict()[name]), name
    assert (got.copy_gain > 0).all()  # fresh init, live from the first step
    with pytest.raises(CheckpointError, match="differs"):
        train(TrainConfig.from_json(CONFIG, out_dir=str(c), base_path=str(tiny_spec.path), steps=1,
                                    init_from=str(b / "checkpoint")), tokenize=tokenize)
    # word starts join copy slots the same way; the run builds the base's table
    import torch

    from engine.nn.word_start import gguf_tokens, word_start_table

    d = tmp_path / "d"
    train(TrainConfig.from_json(CONFIG, out_dir=str(d), base_path=str(tiny_spec.path), steps=1, lr=0.0,
                                hypernet={**tiny, "copy_rank": 2, "copy_start": True}, init_from=str(b / "checkpoint")),
          tokenize=tokenize)
    got2, _ = load_hypernet(d / "checkpoint")
    assert got2.cfg.copy_start and got2.cfg.vocab_size == tiny_spec.vocab_size
    for name, w in got.state_dict().items():
        assert torch_equal(w, got2.state_dict()[name]), name
    want = torch.as_tensor(word_start_table(gguf_tokens(tiny_spec.path), tokenize))
    assert torch_equal(got2.copy_start_ids, want) and int((want != torch.arange(len(want))).sum()) > 1000
    # a copy gate joins the same way, open at first
    e = tmp_path / "e"
    train(TrainConfig.from_json(CONFIG, out_dir=str(e), base_path=str(tiny_spec.path), steps=1, lr=0.0,
                                hypernet={**tiny, "copy_rank": 2, "copy_start": True, "copy_gate": True},
                                init_from=str(d / "checkpoint")), tokenize=tokenize)
    got3, _ = load_hypernet(e / "checkpoint")
    for name, w in got2.state_dict().items():
        assert torch_equal(w, got3.state_dict()[name]), name
    assert float(got3.copy_gate.bias) == 3.0 and not got3.copy_gate.weight.any()


def torch_equal(x, y) -> bool:
    return bool((x == y).all())


def torchrun(out: Path, base: Path, nproc: int, *extra: str) -> list[dict]:
    """Run engine.train under torchrun with ``nproc`` gloo processes (loopback only) -> its metrics rows."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1",
           "GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1",
           f"--master_port={29516 + nproc}", "-m", "engine.train", "--config", str(CONFIG), "--out-dir", str(out),
           "--base", str(base), "--steps", "3", *extra]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory, tiny_spec) -> dict[int, tuple[Path, list[dict]]]:
    """The same 3-step run (global batch 4, loss logged every step) with 1 and with 2 processes."""
    runs = {}
    for nproc in (1, 2):
        out = tmp_path_factory.mktemp(f"ddp{nproc}")
        runs[nproc] = out, torchrun(out, tiny_spec.path, nproc, "--set", "log_every=1")
    return runs


@pytest.mark.parametrize("nproc", [1, 2])
def test_ddp_under_torchrun_gloo_stays_in_sync(ddp_runs, nproc):
    """torchrun with one process also takes the DDP path (the 1-GPU side of the multi-GPU check)."""
    _, rows = ddp_runs[nproc]
    sums = [r for r in rows if "ddp_param_checksums" in r][-1]["ddp_param_checksums"]
    assert len(sums) == nproc and len(set(sums)) == 1
    assert [r["world"] for r in rows if "loss" in r] == [nproc] * 3


def test_two_processes_train_like_one_on_the_same_global_batch(ddp_runs):
    """batch_docs is the global batch: 2 ranks with 2 records each see the 4 records one process sees, calibrate
    on the same first batch and weigh the L1 term by their share of the chunks, so losses, gradient norms and
    weights match one process up to float rounding (a rank reading the wrong share differs by far more)."""
    from engine.research.ddp_compare import compare, load_run

    (dir1, rows1), (dir2, rows2) = ddp_runs[1], ddp_runs[2]
    loss1 = [r["loss"] for r in rows1 if "loss" in r]
    loss2 = [r["loss"] for r in rows2 if "loss" in r]
    assert len(loss1) == len(loss2) == 3
    assert max(abs(a - b) for a, b in zip(loss1, loss2)) < 1e-5 * max(loss1), (loss1, loss2)
    norms1 = [r["grad_norm"] for r in rows1 if "loss" in r]
    norms2 = [r["grad_norm"] for r in rows2 if "loss" in r]
    assert max(abs(a - b) / a for a, b in zip(norms1, norms2)) < 1e-4, (norms1, norms2)
    report = compare(load_run(dir1), load_run(dir2), skip=0)
    assert report["ranks_identical"] and report["world"] == [1, 2] and report["steps_compared"] == 3
    assert report["weights_max_rel_diff"] < 1e-3, report["weights_worst_tensor"]  # fp16 export rounding


def test_rank_shares_partition_the_global_batch(tiny_spec, tokenize):
    """Rank r of N builds records r*B/N .. (r+1)*B/N of the step's global batch, cut and questioned as one process would."""
    import torch

    from engine.core.prompts import PromptFormat
    from engine.train.batches import BatchConfig
    from engine.train.loop import StepBatches

    cfg = TrainConfig.from_json(CONFIG, out_dir="unused", batch_docs=4, needle_frac=0.5)
    fmt, bcfg = PromptFormat(tiny_spec.chat_template), BatchConfig(chunk_tokens=128, min_chunk_tokens=16, max_chunks=3)
    whole = StepBatches(cfg, fmt, tokenize, bcfg, 0, 0, 1)[1]
    parts = [StepBatches(cfg, fmt, tokenize, bcfg, 0, r, 2)[1] for r in range(2)]
    assert sum(whole.n_chunks) == sum(sum(p.n_chunks) for p in parts)
    assert whole.n_chunks == parts[0].n_chunks + parts[1].n_chunks
    assert torch.equal(whole.targets, torch.cat([p.targets for p in parts]))
    rows = [ids[mask].tolist() for ids, mask in zip(whole.chunk_ids, whole.chunk_mask)]
    assert rows == [ids[mask].tolist() for p in parts for ids, mask in zip(p.chunk_ids, p.chunk_mask)]
    assert StepBatches(cfg, fmt, tokenize, bcfg, 0, 0, 1)[2].targets.tolist() != whole.targets.tolist()  # steps differ
    with pytest.raises(ValueError, match="divisible"):
        StepBatches(cfg, fmt, tokenize, bcfg, 0, 0, 3)


def test_ranks_agree_to_stop_when_one_rank_is_out_of_time(tmp_path):
    """The time box is decided together: one rank out of time stops both (else the other waits in an all-reduce)."""
    script = tmp_path / "agree.py"
    script.write_text(
        "import os, torch, torch.distributed as dist\n"
        "from engine.train.distributed import any_rank\n"
        "dist.init_process_group('gloo')\n"
        "rank = dist.get_rank()\n"
        "cpu = torch.device('cpu')\n"
        "got = [any_rank(rank == 1, cpu, True), any_rank(False, cpu, True), any_rank(True, cpu, True)]\n"
        f"open(f'{tmp_path}/rank{{rank}}.txt', 'w').write(repr(got))\n"
        "dist.destroy_process_group()\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1",
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
                           "--master_port=29531", str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for rank in (0, 1):  # rank 1 alone is out of time; both stop
        assert (tmp_path / f"rank{rank}.txt").read_text() == "[True, False, True]"
    from engine.train.distributed import any_rank

    assert any_rank(True, None, False) is True and any_rank(False, None, False) is False  # no DDP: the rank's own clock


def test_set_overrides_any_config_field():
    from engine.train.config import parse_overrides

    got = parse_overrides(["batch_docs=64", "log_every=5", 'facts={"max_tokens": 300}', "init_from=some/dir"])
    assert got == {"batch_docs": 64, "log_every": 5, "facts": {"max_tokens": 300}, "init_from": "some/dir"}
    with pytest.raises(SystemExit):
        parse_overrides(["no_such_field=1"])
    with pytest.raises(SystemExit):
        parse_overrides(["batch_docs"])


def test_mixture_has_skills_and_facts_and_noops_are_distilled():
    import random as _random
    from dataclasses import replace as _replace

    import torch

    from engine.core.prompts import PromptFormat
    from engine.data.records import approx_tokens
    from engine.train.batches import BatchConfig, build_batch
    from engine.train.config import TrainConfig
    from engine.train.mixture import sample_records

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

    from engine.train.batches import BatchConfig, random_chunks

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


SHIPPED_CONFIGS = sorted((REPO / "engine/train/configs").glob("*.json"))
PAST_CONFIGS = sorted((REPO / "docs/configs_history").glob("*.json"))  # earlier runs' recipes, kept readable


@pytest.mark.parametrize("path", SHIPPED_CONFIGS + PAST_CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_configs_parse(path):
    from engine.data.facts import FactsConfig
    from engine.data.skills import SkillsConfig
    from engine.train.batches import BatchConfig

    assert len(SHIPPED_CONFIGS) >= 2 and len(PAST_CONFIGS) >= 9
    cfg = TrainConfig.from_json(path)
    BatchConfig(**cfg.batch), FactsConfig(**cfg.facts), SkillsConfig(**cfg.skills)
    if cfg.init_from:  # a warm start must name something in the repository
        assert (REPO / cfg.init_from / "config.json").is_file()


def test_held_out_evaluation_reads_needles_in_natural_chunks(monkeypatch):
    """A training-only finer cut of needles (needle_max_chunks) must not reach the held-out evaluation."""
    import random as _random

    import engine.train.objective as tr
    from engine.data.needle import NeedleConfig, make_needle
    from engine.train.batches import BatchConfig

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


def test_ddp_view_passes_token_embeddings_to_copy_slots(tiny_spec):
    """Under DDP make_lora calls the hypernet through DDPView; copy slots need the embeddings to get through
    (a 2-GPU resume of a copy-slot run failed here)."""
    import torch

    from engine.nn.d2l import make_lora
    from engine.nn.hypernet import Hypernet, HypernetConfig
    from engine.nn.model import load_llama
    from engine.train.distributed import DDPView

    torch.manual_seed(0)
    base = load_llama(tiny_spec)
    hn = Hypernet(HypernetConfig(n_layer=tiny_spec.n_layer, d_model=tiny_spec.d_model, d_ff=tiny_spec.d_ff, rank=4,
                                 latent_dim=32, n_latents=4, n_blocks=1, n_heads=2, copy_rank=2))
    ids = torch.randint(0, 1000, (3, 9))
    mask = torch.ones_like(ids, dtype=torch.bool)
    want, _, _ = make_lora(base, hn, ids, mask, [1, 2])
    got, _, _ = make_lora(base, DDPView(hn, hn), ids, mask, [1, 2])
    assert torch_equal(got.A, want.A) and torch_equal(got.B, want.B)


def test_l1_penalty_can_leave_out_the_copy_slots():
    import torch

    from engine.train.objective import l1_penalty

    A, B = torch.randn(3, 2, 6, 10), torch.randn(3, 2, 5, 6)  # rank 4 + 2 copy slots
    A2, B2 = A.clone(), B.clone()
    A2[:, :, 4:] *= 10
    B2[..., 4:] *= 10
    assert l1_penalty(A2, B2, rank=4) == l1_penalty(A, B, rank=4)
    assert l1_penalty(A2, B2) > l1_penalty(A, B)
    want = A[:, :, :4].abs().mean() + B[..., :4].abs().mean()
    assert torch.allclose(l1_penalty(A, B, rank=4), want)


def test_name_needles_join_the_mixture_only_when_asked():
    import random as _random

    from engine.data.needle import NAME_QUESTION, QUESTION
    from engine.data.records import approx_tokens
    from engine.train.config import TrainConfig
    from engine.train.mixture import sample_records

    plain = TrainConfig(out_dir="unused", needle_frac=0.5)
    old = sample_records(plain, _random.Random(3), 40, "train", approx_tokens)
    assert {r.questions[0].question for r in old if r.kind == "needle"} == {QUESTION}
    named = sample_records(TrainConfig(out_dir="unused", needle_frac=0.5, needle_name_frac=0.5), _random.Random(3), 40,
                           "train", approx_tokens)
    questions = [r.questions[0].question for r in named if r.kind == "needle"]
    assert QUESTION in questions and NAME_QUESTION in questions


@pytest.mark.parametrize("gate", [False, True])
def test_pointer_loss_is_logged_and_trains(tmp_path, tiny_spec, tokenize, gate):
    tiny = json.loads(CONFIG.read_text())["hypernet"]
    train(TrainConfig.from_json(CONFIG, out_dir=str(tmp_path), base_path=str(tiny_spec.path), steps=2, log_every=1,
                                needle_frac=0.5, needle_name_frac=0.5, copy_pointer_weight=0.5, l1_copy=False,
                                copy_gate_weight=0.5 if gate else 0.0,
                                batch={**json.loads(CONFIG.read_text()).get("batch", {}), "answer_space": gate},
                                hypernet={**tiny, "copy_rank": 2, "copy_start": True, "copy_gate": gate}),
          tokenize=tokenize)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    nll = [r["pointer_nll"] for r in rows if "pointer_nll" in r]
    assert len(nll) == 2 and all(x > 0 for x in nll)
    bce = [r["gate_bce"] for r in rows if "gate_bce" in r]
    assert len(bce) == (2 if gate else 0) and all(x > 0 for x in bce)


def test_optimizer_and_held_out_seeds_are_config_fields(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"out_dir": "unused", "adam_betas": [0.8, 0.99], "val_seed": 7}))
    cfg = TrainConfig.from_json(path)
    assert cfg.adam_betas == (0.8, 0.99) and cfg.val_seed == 7
    assert (TrainConfig(out_dir="x").adam_betas, TrainConfig(out_dir="x").val_seed) == ((0.9, 0.95), 99)  # v12's
