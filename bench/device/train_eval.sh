#!/usr/bin/env bash
# A training chunk (train_chunk.sh, CKPT_BACK=0, the checkpoint stays on the machine for the next call) and
# then, on the GPU torch path, long needles (engine.research.needle_long: 8k/16k/32k tokens, number filler and prose
# filler) beside the answer probes (probes.sh; PROBE_ARGS e.g. --spaced) of the run's last hypernetwork.
# Usage: NPROC=2 bench/device/train_eval.sh CONFIG MINUTES
# $OUT gets 7 files: metrics.jsonl, best.tar, export.tar, needle_long{,_prose}.json + .png, probes_run.tar.
set -euo pipefail
CONFIG=$1; MINUTES=$2
CKPT_BACK=0 bash bench/device/train_chunk.sh "$CONFIG" "$MINUTES"
source bench/device/env.sh
long() {  # GPU NAME [needle_long args...]
  local gpu=$1 name=$2; shift 2
  CUDA_VISIBLE_DEVICES=$gpu python3 -m engine.research.needle_long /root/run/export --base "$BASE" --lengths 8192,16384,32768 \
    --per-depth 5 --out "$OUT/$name.json" "$@" > "/root/$name.log" 2>&1 || tail -5 "/root/$name.log"
  grep -E '^\{' "/root/$name.log" || true
}
GPUS=$(nvidia-smi -L | wc -l); G2=$(( GPUS > 1 ? 1 : 0 ))
long 0 needle_long && long 0 needle_long_prose --prose &
bash bench/device/probes.sh $G2 /root/run run ${PROBE_ARGS:-} &
wait
rm -f "$OUT"/needle_long_prose.png
grep -vE "Warning|warn|INFO|^\s*$" /root/probe_run.log | tail -18 || true
