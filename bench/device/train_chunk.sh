#!/usr/bin/env bash
# One time-boxed meta-training chunk on a lent GPU machine (see bench/README.md, "GPU training").
# Usage: bench/device/train_chunk.sh CONFIG MINUTES [probe args...]
# Expects the base GGUF staged at /root/stage/base.gguf (three carried parts, sha256-checked
# here) and gguf's wheel under .whl/. Resumes /root/run/checkpoint when the machine is still
# warm; copies checkpoint, metrics and the best hypernetwork (tar) to $OUT.
# NPROC=N (default 1) launches through torchrun, so the DDP/NCCL path runs even on one GPU;
# NPROC=0 runs plain python (no torch.distributed).
set -euo pipefail
CONFIG=$1; MINUTES=$2; shift 2
SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [ ! -f /root/stage/base.gguf ]; then
  cat /root/stage/part_aa /root/stage/part_ab /root/stage/part_ac > /root/stage/base.gguf
fi
echo "$SHA  /root/stage/base.gguf" | sha256sum -c --quiet
[ -d /root/site/gguf ] || pip install -q --no-deps --target /root/site .whl/*.whl
export PYTHONPATH=/root/site:$PWD TOKENIZERS_PARALLELISM=false
mkdir -p /root/run
if [ $# -gt 0 ]; then  # optional capacity probe, run beside the training on the same GPU
  (timeout 300 python3 -m engine.probe --base /root/stage/base.gguf "$@" > "$OUT/probe.jsonl" 2> /root/probe.err || true) &
fi
export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # NVLink multicast stays off
NPROC=${NPROC:-1}
if [ "$NPROC" -gt 0 ]; then LAUNCH=(python3 -m torch.distributed.run --standalone --nproc_per_node="$NPROC"); else LAUNCH=(python3); fi
timeout $(( ${MINUTES%.*} * 60 + 100 )) "${LAUNCH[@]}" -m engine.train --config "$CONFIG" --base /root/stage/base.gguf \
  --out-dir /root/run --max-minutes "$MINUTES" > /root/train.log 2>&1 || { tail -30 /root/train.log; }
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
        print(r["step"], " ".join(f"{p}{k}={e.get(p + k + '_tok_acc', float('nan')):.3f}" for p in ("", "needle_", "skill_")
                                  for k in ("adapter", "shuffled", "icl")))
PY
cp /root/run/checkpoint/* /root/run/metrics.jsonl "$OUT"/
tar -C /root/run -cf "$OUT/best.tar" best
cat /root/probe.err 2>/dev/null | grep -v Warning | tail -3 || true
