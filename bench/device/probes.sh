#!/usr/bin/env bash
# engine.research.answer_probe on a run's last hypernetwork: held-out facts_test_20, held-out name needles and 20 generated
# training-split documents with coined names; writes $OUT/probes_NAME.tar (probe_{test,name,train}.json).
# Usage: bench/device/probes.sh GPU RUN_DIR NAME [answer_probe args, e.g. --spaced]   (sources env.sh itself:
# the base must be staged)
set -euo pipefail
GPU=$1; RUN=$2; NAME=$3; shift 3
EXTRA=("$@")
source bench/device/env.sh
dir=/root/probes_$NAME; mkdir -p $dir
run() { CUDA_VISIBLE_DEVICES=$GPU python3 -m engine.research.answer_probe "$RUN/export" --base "$BASE" "${EXTRA[@]}" "$@" >> "/root/probe_$NAME.log" 2>&1; }
run --data bench/data/facts_test_20.jsonl --out "$dir/probe_test.json"
run --data bench/data/needle_name_256_50.jsonl --out "$dir/probe_name.json"
run --split train --coined 1 --n 20 --out "$dir/probe_train.json"
tar -C $dir -cf "$OUT/probes_$NAME.tar" .
