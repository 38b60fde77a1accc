#!/usr/bin/env bash
# The multi-GPU check, side by side in one command: the same short run (same config, same global batches,
# same warm start) through torchrun on 1 GPU and on N GPUs, then engine.research.ddp_compare's table, JSON and PNG.
# Usage: bench/device/ddp_compare.sh CONFIG STEPS GLOBAL_BATCH [N=2]
# Expects the staged base and the gguf wheel as train_chunk.sh does. Writes $OUT/ddp_compare.{json,png,txt}
# (the txt ends with the GPU topology) and both runs' metrics (ddp_metrics.tar); the runs stay in /root/cmp1, /root/cmpN.
set -euo pipefail
CONFIG=$1; STEPS=$2; BATCH=$3; N=${4:-2}
source bench/device/env.sh
for n in 1 "$N"; do
  rm -rf "/root/cmp$n"
  t0=$(date +%s)
  timeout 300 python3 -m torch.distributed.run --standalone --nproc_per_node="$n" -m engine.train --config "$CONFIG" \
    --base "$BASE" --out-dir "/root/cmp$n" --steps "$STEPS" --max-minutes 4 --set batch_docs="$BATCH" \
    --set log_every=5 --set eval_every=1000000 --set ckpt_every=1000000 > "/root/cmp$n.log" 2>&1 || tail -30 "/root/cmp$n.log"
  echo "$n GPU(s): $(( $(date +%s) - t0 )) s wall incl. start-up"
  cp "/root/cmp$n/metrics.jsonl" "/root/ddp_metrics_${n}gpu.jsonl"
done
tar -C /root -cf "$OUT/ddp_metrics.tar" ddp_metrics_1gpu.jsonl "ddp_metrics_${N}gpu.jsonl"
python3 -m engine.research.ddp_compare /root/cmp1 "/root/cmp$N" --out "$OUT/ddp_compare" \
  --note "$(nvidia-smi --query-gpu=name --format=csv,noheader | sort | uniq -c | xargs); $CONFIG; $STEPS steps; global batch $BATCH" \
  | tee "$OUT/ddp_compare.txt"
{ echo; echo "nvidia-smi topo -m:"; nvidia-smi topo -m; } >> "$OUT/ddp_compare.txt" 2>&1 || true
