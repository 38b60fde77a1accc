#!/usr/bin/env bash
# A side-by-side ablation on a 2-GPU machine: CONFIG trained twice at once from the same start, arm a as
# written on GPU 0 and arm b with one override on GPU 1, then engine.research.answer_probe on both arms' last
# hypernetworks (held-out facts_test_20, held-out name needles and 20 generated training-split documents
# with coined names).
# Usage: bench/device/ablate.sh CONFIG MINUTES 'FIELD=JSON'   (the override is arm b's --set)
# Arm a keeps its run in /root/run, so bench/device/train_chunk.sh CONFIG ... resumes it while the machine is
# warm, and running this script again while the machine is warm resumes both arms.
# $OUT gets 6 files: metrics_{a,b}.jsonl, probes_{a,b}.tar (probe_{test,train,name}.json), export_{a,b}.tar.
set -euo pipefail
CONFIG=$1; MINUTES=$2; OVERRIDE=$3
source bench/device/env.sh
arm() {  # GPU OUT_DIR [train args...]
  local gpu=$1 dir=$2; shift 2
  mkdir -p "$dir"
  CUDA_VISIBLE_DEVICES=$gpu timeout $(( ${MINUTES%.*} * 60 + 100 )) python3 -m engine.train --config "$CONFIG" \
    --base "$BASE" --out-dir "$dir" --max-minutes "$MINUTES" "$@" > "$dir.log" 2>&1 || tail -20 "$dir.log"
}
arm 0 /root/run & arm 1 /root/run_b --set "$OVERRIDE" & wait
bash bench/device/probes.sh 0 /root/run a & bash bench/device/probes.sh 1 /root/run_b b & wait
for x in a b; do
  dir=/root/run; [ $x = b ] && dir=/root/run_b
  echo "== arm $x"; grep -E "hypernet .* params|warm start" "$dir.log" | head -2 || true
  python3 - "$dir/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
steps = [r for r in rows if "loss" in r]
r = steps[-1]
print("last step", r["step"], "loss %.3f %.2fs/step peak %.1f GiB" % (r["loss"], r["sec_per_step"], r.get("gpu_peak_gib", float("nan"))))
for r in rows:
    if "eval" in r:
        e = r["eval"]
        print(r["step"], " ".join(f"{k}={e[k]:.3f}" for k in sorted(e) if k.endswith(("adapter_tok_acc", "shuffled_tok_acc", "adapter_q_acc", "shuffled_q_acc"))))
PY
  grep -vE "Warning|warn|INFO|^\s*$" "/root/probe_$x.log" | tail -18 || true
  cp "$dir/metrics.jsonl" "$OUT/metrics_$x.jsonl"
  tar -C "$dir" -cf "$OUT/export_$x.tar" export
done
