#!/usr/bin/env bash
# `lorafy eval` / `eval-skills` of one hypernetwork bundle on the held-out sets, on a remote GPU machine prepared by
# gpu_path.sh (staged base, carried wheels, CUDA build of llama-cpp-python). Reports are packed into one tar in $OUT.
# Usage: bash bench/device/eval_sets.sh BUNDLE_DIR LABEL SET:MODES [SET:MODES ...]
#   e.g. bash bench/device/eval_sets.sh engine/weights/smollm2-135m-instruct v12 realtext_test_30:base,icl,lora
#   BUNDLE may be a training run's export (/root/run/export): its ONNX graph is exported first.
#   (SET is a file under bench/data without .jsonl; SET skills_test runs eval-skills with MODES)
set -uo pipefail
BUNDLE=$1; LABEL=$2; shift 2
source bench/device/env.sh >/dev/null
LCP=/root/lcp_cuda; [ -f /root/lcp_cuda.done ] || LCP=/root/lcp_cpu
export PYTHONPATH=$LCP:/root/site:$PWD
if [ ! -f "$BUNDLE/hypernet.onnx" ]; then  # a training run's export (safetensors only): make the runtime bundle first
  python3 -m desktop.cli --base "$BASE" export-hypernet "$BUNDLE" --out "/root/bundle_$LABEL" | tail -1 || exit 1
  BUNDLE=/root/bundle_$LABEL
fi
R=/root/eval_$LABEL; mkdir -p $R
H=$(mktemp -d)
for spec in "$@"; do
  set_name=${spec%%:*}; modes=${spec#*:}
  cmd=eval; [ "$set_name" = skills_test ] && cmd=eval-skills
  t0=$(date +%s)
  python3 -m desktop.cli --home "$H" --base "$BASE" --hypernet "$BUNDLE" --threads 16 $cmd "bench/data/$set_name.jsonl" \
    --modes "$modes" --json "$R/${set_name}_$LABEL.json" --plot "$R/${set_name}_$LABEL.png" 2>/dev/null | tail -12
  echo "$set_name ($modes): $(( $(date +%s) - t0 )) s"
done
tar -C /root -cf "$OUT/eval_$LABEL.tar" "eval_$LABEL"
