"""kill -9 at random points of ``lorafy teach``, ``watch --once``, ``forget`` and ``export``; check the library after each restart.

Each round starts the command as a subprocess on a tiny random base and a tiny
random hypernetwork bundle (so a round takes about a second), kills it with
SIGKILL after a random delay drawn from the command's measured run time, runs
the same command again to completion (the restart), then checks the invariants:

* ``PRAGMA integrity_check`` is ok;
* every file is taught exactly once or reported (a refused/failed document with a reason), no item twice for
  the same content, no job left running;
* no orphan rows (an item without its adapter file, an adapter row no item uses, sections or passages of
  missing items) and, after the start-up recovery a later run performs, no unlisted adapter file and no temp file;
* ``export``: the exported file validates and no temp file is left in the output folder after the restart.

    python bench/fault_injection.py [--rounds 50] [--seed 0] [--commands teach,watch,forget,export] [--json out.json]

Needs torch once, to build the tiny hypernetwork bundle (as tests/conftest.py does).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def build_models(work: Path) -> tuple[Path, Path]:
    """(tiny base GGUF, tiny hypernetwork bundle folder), seeded."""
    import torch
    from tiny import tiny_base

    from engine.core.base import load_base
    from engine.nn.hypernet import Hypernet, HypernetConfig
    from engine.nn.model import load_llama
    from export.onnx_export import export_bundle

    (work / "tiny").mkdir(parents=True, exist_ok=True)
    spec = tiny_base(work / "tiny", load_base().path)
    torch.manual_seed(0)
    cfg = HypernetConfig(n_layer=spec.n_layer, d_model=spec.d_model, d_ff=spec.d_ff, rank=4, bias_rank=2, latent_dim=32,
                         n_latents=4, n_blocks=1, n_heads=2, chunk_tokens=64, skip_head=2, skip_tail=1)
    hypernet = Hypernet(cfg).eval()
    with torch.no_grad():
        hypernet.calibrate(load_llama(spec)(torch.randint(0, spec.vocab_size, (2, 24)), all_layers=True))
        hypernet.head_b.weight.normal_(0.0, 0.05)
        hypernet.bias_b.normal_(0.0, 0.02)
    bundle = work / "bundle"
    export_bundle(spec, hypernet, bundle)
    return spec.path, bundle


class Harness:
    """Runs ``lorafy`` subprocesses on one home and checks the home's invariants."""

    def __init__(self, work: Path, base: Path, bundle: Path, rng: random.Random):
        self.work, self.rng = work, rng
        self.home = work / "home"
        self.common = ["--home", str(self.home), "--base", str(base), "--hypernet", str(bundle), "--threads", "1", "--cpu"]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        self.durations: dict[str, list[float]] = {}
        self.recovered: Counter = Counter()  # what the later start-up recovery cleaned after killed runs

    def cli(self, *argv: str, kill_after: float | None = None) -> tuple[int | None, str]:
        """Run ``lorafy ARGV``; with ``kill_after``, SIGKILL it then (None if it had finished). Returns (rc, stderr)."""
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", *self.common, *argv], cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kill_after is not None:
            try:
                proc.wait(kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc.stderr.close()
                return None, ""
        err = proc.communicate(timeout=300)[1].decode("utf-8", "replace")
        self.durations.setdefault(argv[0], []).append(time.monotonic() - t0)
        return proc.returncode, err

    def kill_point(self, command: str) -> float:
        runs = self.durations.get(command) or [2.0]
        return self.rng.uniform(0.05, max(runs) * 1.1)

    # -- invariants -------------------------------------------------------------------------------------
    def check(self, folder: Path | None = None, out: Path | None = None) -> list[str]:
        """Invariant violations of the home (after the start-up recovery a later run performs) as strings."""
        from desktop.store.library import Library

        bad: list[str] = []
        lib = Library(self.home)
        with sqlite3.connect(lib.db_path) as con:
            if (r := con.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                bad.append(f"integrity: {r}")
            if con.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetchone()[0]:
                bad.append("a job left running after the restart")
        if lib.try_lock():  # the start-up recovery of a later run (its 60 s age guard off: no writer is alive)
            rec = lib.recover(min_age_s=0.0)
            lib.unlock()
            self.recovered["temp files removed"] += len(rec.temp_removed)
            self.recovered["unlisted files quarantined"] += len(rec.orphans_removed)
            self.recovered["jobs re-queued"] += rec.requeued_jobs
        with sqlite3.connect(lib.db_path) as con:
            items = {r[0]: r for r in con.execute("SELECT id, adapter, content_sha256, pipeline FROM items")}
            files = {r[0] for r in con.execute("SELECT file FROM adapters")}
            for item_id, adapter, sha, _ in items.values():
                if not (lib.adapters_dir / adapter).is_file():
                    bad.append(f"item {item_id} without its adapter file")
                if adapter not in files:
                    bad.append(f"item {item_id} with an unrecorded adapter")
            for f in files - {r[1] for r in items.values()}:
                bad.append(f"adapter row {f} that no item uses")
            for (n,) in con.execute("SELECT COUNT(*) FROM sections WHERE item_id NOT IN (SELECT id FROM items)"):
                if n:
                    bad.append(f"{n} section rows of missing items")
            try:
                (n,) = con.execute("SELECT COUNT(*) FROM passages WHERE item_id NOT IN (SELECT id FROM items)").fetchone()
            except sqlite3.OperationalError:
                n = 0
            if n:
                bad.append(f"{n} passage rows of missing items")
            dup = con.execute("SELECT content_sha256, COUNT(*) FROM items WHERE content_sha256 != '' "
                              "GROUP BY content_sha256, pipeline HAVING COUNT(*) > 1").fetchall()
            bad.extend(f"content {s[:12]} taught {c} times" for s, c in dup)
            if con.execute("SELECT COUNT(*) FROM jobs WHERE state = 'running'").fetchone()[0]:
                bad.append("a job still running after recovery")
            docs = {os.fsdecode(r[0]): (r[1], r[2], r[3]) for r in con.execute("SELECT path, status, reason, item_id FROM documents")}
        for p in sorted(lib.adapters_dir.iterdir()):
            if p.name not in files:
                bad.append(f"unlisted file in adapters/: {p.name}")
        for d in (lib.home, lib.adapters_dir):
            bad.extend(f"temp file left: {p.name}" for p in d.iterdir() if p.name.endswith(".tmp"))
        if folder is not None:
            for f in sorted(folder.iterdir()):
                status, reason, item_id = docs.get(str(f.resolve()), docs.get(str(f), ("absent", "", None)))
                if status == "indexed" and item_id in items:
                    continue
                if status in ("refused", "failed") and reason:
                    continue
                bad.append(f"{f.name}: {status} {reason!r} (neither taught nor reported)")
        if out is not None:
            bad.extend(f"temp file left in the export folder: {p.name}" for p in out.rglob("*.tmp"))
        return bad


def round_teach(h: Harness, i: int) -> tuple[bool, list[str]]:
    folder = h.work / "teach"
    folder.mkdir(exist_ok=True)
    f = folder / f"note{i}.txt"
    f.write_text(f"Note {i}: the locker code of room {i} is {h.rng.randint(1000, 9999)}. " * h.rng.randint(1, 12))
    rc, _ = h.cli("teach", str(f), kill_after=h.kill_point("teach"))
    killed = rc is None
    rc, err = h.cli("teach", str(f))
    bad = [] if rc == 0 else [f"restart of teach exited {rc}: {err.strip()[-200:]}"]
    return killed, bad + h.check(folder)


def round_watch(h: Harness, i: int) -> tuple[bool, list[str]]:
    folder = h.work / "watched"
    folder.mkdir(exist_ok=True)
    existing = sorted(folder.iterdir())
    action = h.rng.choice(["add", "add", "edit", "delete"]) if existing else "add"
    if action == "add":
        (folder / f"doc{i}.md").write_text(f"# Doc {i}\nThe ferry {i} leaves at {h.rng.randint(1, 12)} o'clock.\n")
    elif action == "edit":
        victim = h.rng.choice(existing)
        victim.write_text(victim.read_text() + f"Edited in round {i}.\n")
    else:
        h.rng.choice(existing).unlink()
    rc, _ = h.cli("watch", "--once", str(folder), kill_after=h.kill_point("watch"))
    killed = rc is None
    rc, err = h.cli("watch", "--once", str(folder))
    bad = [] if rc == 0 else [f"restart of watch exited {rc}: {err.strip()[-200:]}"]
    return killed, bad + h.check(folder)


def _an_item(h: Harness, i: int) -> str:
    """A skill taught for the round (its id)."""
    from desktop.store.library import Library

    rc, err = h.cli("teach", "--text", f"Always end answers with the word round{i}.", "--name", f"skill-{i}")
    if rc != 0:
        raise RuntimeError(f"could not teach a skill: {err}")
    return next(it.id for it in Library(h.home).items() if it.name == f"skill-{i}")


def round_forget(h: Harness, i: int) -> tuple[bool, list[str]]:
    item_id = _an_item(h, i)
    rc, _ = h.cli("forget", item_id, kill_after=h.kill_point("forget"))
    killed = rc is None
    rc, err = h.cli("forget", item_id)
    gone_already = rc == 2 and "no memory or skill" in err
    bad = [] if rc == 0 or gone_already else [f"restart of forget exited {rc}: {err.strip()[-200:]}"]
    from desktop.store.library import Library

    if any(it.id == item_id for it in Library(h.home).items()):
        bad.append(f"item {item_id} still listed after forget")
    return killed, bad + h.check()


def round_export(h: Harness, i: int) -> tuple[bool, list[str]]:
    from desktop.store.library import Library
    from engine.core.adapter_file import validate_adapter_file

    items = Library(h.home).items()
    item_id = items[h.rng.randrange(len(items))].id if items and h.rng.random() < 0.7 else _an_item(h, i)
    out = h.work / "exports" / f"r{i}"
    fmt = h.rng.choice(["gguf", "peft"])
    rc, _ = h.cli("export", item_id, "--format", fmt, "--out", str(out), kill_after=h.kill_point("export"))
    killed = rc is None
    left = [p.name for p in out.rglob("*.tmp")] if out.exists() else []
    rc, err = h.cli("export", item_id, "--format", fmt, "--out", str(out))
    bad = [] if rc == 0 else [f"restart of export exited {rc}: {err.strip()[-200:]}"]
    if fmt == "gguf" and rc == 0:
        for p in out.glob("*.gguf"):
            try:
                validate_adapter_file(p, None)
            except Exception as e:
                bad.append(f"exported file invalid: {e}")
    bad += h.check(out=out)
    if left:
        bad.append(f"temp files a killed export left in its output folder (kept by the restart? see above): {left}")
    return killed, bad


ROUNDS = {"teach": round_teach, "watch": round_watch, "forget": round_forget, "export": round_export}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--commands", default=",".join(ROUNDS))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=None, help="keep the homes here (default: a temp folder)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="lorafy-faults-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        base, bundle = build_models(work / "models")
        print(f"tiny models built in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        rows = {}
        for command in args.commands.split(","):
            h = Harness(work / command, base, bundle, rng)
            (work / command).mkdir(parents=True, exist_ok=True)
            h.cli("list")  # warm-up: makes the home, measures start-up
            counts, examples = Counter(), []
            t1 = time.monotonic()
            for i in range(args.rounds):
                killed, bad = ROUNDS[command](h, i)
                counts["rounds"] += 1
                counts["killed mid-run" if killed else "finished before the kill"] += 1
                counts["rounds with violations"] += bool(bad)
                counts["violations"] += len(bad)
                examples.extend(f"round {i}: {b}" for b in bad[:2])
            rows[command] = {**counts, **h.recovered, "seconds": round(time.monotonic() - t1, 1),
                             "examples": examples[:10]}
            print(f"{command}: {dict(counts)} in {rows[command]['seconds']} s", file=sys.stderr, flush=True)
    cols = ["rounds", "killed mid-run", "finished before the kill", "rounds with violations", "violations",
            "temp files removed", "unlisted files quarantined", "jobs re-queued"]
    print(f"{'command':<8} " + " ".join(f"{c:>12.12}" for c in cols) + f" {'seconds':>8}")
    for command, r in rows.items():
        print(f"{command:<8} " + " ".join(f"{r.get(c, 0):>12}" for c in cols) + f" {r['seconds']:>8}")
        for e in r["examples"]:
            print(f"    {e}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 1 if any(r.get("violations") for r in rows.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
