#!/usr/bin/env bash
# tools/bench-h100.sh DIR — on the device machine (NVIDIA H100, NVIDIA's
# Vulkan driver, no Vulkan loader): with DIR made by tools/pack-device.sh,
# shows the device, runs the conformance suite on it (the Vulkan plugin
# against the reference backend; again with cooperative matrices on), the
# device-OOM test, trueno-bench-gpu vulkan beside PyTorch's
# cuBLAS anchors, the Fashion-MNIST k-NN with the GPU plugin loaded, and
# tools/bench-compare's dispatcher check (every backend forced, then auto)
# on sizes where the GPU can win, written to $OUT/bench-compare.md when OUT
# is set. BENCH_H100_ONLY=compare runs only that last part.
set -uo pipefail
dir=$(cd "$1" && pwd)
export LD_LIBRARY_PATH=$dir/lib:$dir/extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export TRUENO_PLUGIN_PATH=$dir/lib/trueno/plugins TRUENO_CACHE_DIR=$dir/cache
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
compare_cells="add:float32:1000 add:float32:1000000 add:float32:16000000 add:float32:64000000 exp:float32:1000000
  exp:float32:64000000 tanh:float32:16000000 sum:float32:64000000 argmax:float32:16000000 softmax:float32:4096x4096
  topk:float32:10000x784:k=32 matmul:float32:128 matmul:float32:512 matmul:float32:1024 matmul:float32:2048
  matmul:float32:4096 gemm:float32:2048 dot:float32:16000000 layer_norm:float32:4096x1024 rms_norm:float32:16384x4096
  gelu:float32:16000000 sigmoid:float32:64000000 conv2d:float32:8x64x56x56:out=64 max_pool2d:float32:32x64x112x112
  add:float16:16000000"
compare() {
    echo "== bench-compare: the dispatcher's choice against every backend forced ($(nproc) threads)"
    python3 "$dir/tools/bench-compare" --build "$dir" --anchors none --threads "$(nproc)" --rounds 3 \
        --title "The dispatcher on the GPU machine ($(nproc) threads, all plugins)" \
        --md "${OUT:-/tmp}/bench-compare.md" --cells $compare_cells
}
if [ "${BENCH_H100_ONLY:-}" = compare ]; then compare; exit; fi
echo "== trueno-info"
"$dir/bin/trueno-info" | sed -n '/Devices/,$p'
echo "== conformance: the Vulkan plugin against the reference backend"
TRUENO_BACKENDS=vulkan "$dir/bin/test_conformance" | grep -v '# SKIP' | tail -25
echo "== conformance with cooperative matrices on (float16 matmul through VK_NV_cooperative_matrix)"
TRUENO_VULKAN_COOPERATIVE_MATRIX=1 TRUENO_BACKENDS=vulkan "$dir/bin/test_conformance" | grep -E '^not ok|cases compared'
echo "== the GPU filled until it cannot allocate: the dispatcher re-runs the op elsewhere"
"$dir/bin/test_device_oom"
echo "== trueno-bench-gpu vulkan"
"$dir/bin/trueno-bench-gpu" vulkan
echo "== trueno-bench-gpu vulkan, cooperative matrices on (the hgemm rows)"
TRUENO_VULKAN_COOPERATIVE_MATRIX=1 TRUENO_BENCH_GPU_BIG_MIB=1 "$dir/bin/trueno-bench-gpu" vulkan | grep hgemm
echo "== PyTorch anchors (same machine, same run)"
python3 "$dir/tools/bench-gpu-anchor.py"
echo "== trueno-fashion-knn (all plugins; the dispatcher chooses), k=1, then k=5 distance"
"$dir/bin/trueno-fashion-knn" --data "$dir/data"
"$dir/bin/trueno-fashion-knn" --data "$dir/data" --k 5 --weights distance | grep -E "accuracy|time|backends|exact"
compare
