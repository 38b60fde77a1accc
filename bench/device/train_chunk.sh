#!/usr/bin/env bash
# One time-boxed meta-training chunk on a remote GPU machine (see bench/README.md, "GPU training").
# Usage: bench/device/train_chunk.sh CONFIG MINUTES [probe args...]
# Expects the base GGUF staged as /root/stage/base.xz.part_a? (copied parts; env.sh joins and checks
# them) and gguf's wheel under .whl/. Resumes /root/run/checkpoint when the machine still
# holds it; copies metrics, the best and the last hypernetwork (tars) and, unless CKPT_BACK=0, the
# checkpoint (5 files) to $OUT.
# NPROC=N (default 1) launches through torchrun, so the DDP/NCCL path runs even on one GPU;
# NPROC=0 runs plain python (no torch.distributed).
# TRAIN_SET='FIELD=JSON' passes one config override (e.g. init_from of a copied, git-ignored bundle).
set -euo pipefail
CONFIG=$1; MINUTES=$2; shift 2
source bench/device/env.sh
mkdir -p /root/run
if [ $# -gt 0 ]; then  # optional capacity probe, run beside the training on the same GPU
  (timeout 300 python3 -m engine.research.probe --base "$BASE" "$@" > "$OUT/probe.jsonl" 2> /root/probe.err || true) &
fi
NPROC=${NPROC:-1}
if [ "$NPROC" -gt 0 ]; then LAUNCH=(python3 -m torch.distributed.run --standalone --nproc_per_node="$NPROC"); else LAUNCH=(python3); fi
timeout $(( ${MINUTES%.*} * 60 + 100 )) "${LAUNCH[@]}" -m engine.train --config "$CONFIG" --base "$BASE" \
  --out-dir /root/run --max-minutes "$MINUTES" ${TRAIN_SET:+--set "$TRAIN_SET"} > /root/train.log 2>&1 || { tail -30 /root/train.log; }
wait
grep -E "hypernet|resuming|warm start" /root/train.log | head -3
python3 - <<'PY'
import json
rows = [json.loads(l) for l in open("/root/run/metrics.jsonl")]
steps = [r for r in rows if "loss" in r]
if steps:
    r = steps[-1]
    print("last step", r["step"], "loss %.3f ce %.3f kl %.3f acc %.3f %.2fs/step peak %.1f GiB" % (r["loss"], r["ce"], r["kl"], r["tok_acc"], r["sec_per_step"], r.get("gpu_peak_gib", float("nan"))))
for r in rows:
    if "ddp_param_checksums" in r:
        print("step", r["step"], "DDP parameter checksums per rank", r["ddp_param_checksums"])
    if "eval" in r:
        e = r["eval"]
        print(r["step"], " ".join(f"{p}{k}={e.get(p + k + '_tok_acc', float('nan')):.3f}" for p in ("", "needle_", "skill_", "realtext_")
                                  for k in ("adapter", "shuffled", "icl", "icl_adapter")))
PY
cp /root/run/metrics.jsonl "$OUT"/
tar -C /root/run -cf "$OUT/best.tar" best
tar -C /root/run -cf "$OUT/export.tar" export
if [ "${CKPT_BACK:-1}" = 1 ]; then cp /root/run/checkpoint/* "$OUT"/; fi  # 5 files; CKPT_BACK=0 leaves room in $OUT
cat /root/probe.err 2>/dev/null | grep -v Warning | tail -3 || true
