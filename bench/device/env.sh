# Shared set-up of a remote GPU machine, sourced by the scripts beside it (run from the repository root).
# Joins the staged base GGUF (/root/stage/base.xz.part_a?: xz-compressed parts copied over successive calls,
# or older raw parts /root/stage/part_a?; see bench/README.md, "GPU training"),
# checks its sha256, installs the copied gguf wheel (.whl/) and keeps NVLink multicast off.
SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
BASE=/root/stage/base.gguf
if [ ! -f "$BASE" ]; then
  if ls /root/stage/base.xz.part_a? >/dev/null 2>&1; then
    cat /root/stage/base.xz.part_a? | python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer)" > "$BASE.tmp"
  else
    cat /root/stage/part_a? > "$BASE.tmp"
  fi
  mv "$BASE.tmp" "$BASE"
fi
echo "$SHA  $BASE" | sha256sum -c --quiet || { rm -f "$BASE"; echo "staged base is incomplete or corrupt" >&2; exit 1; }
[ -d /root/site/gguf ] || pip install -q --no-deps --target /root/site .whl/*.whl
export PYTHONPATH=/root/site:$PWD TOKENIZERS_PARALLELISM=false
export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # NVLink multicast stays off
