#!/usr/bin/env bash
# tools/bench-h100.sh DIR — on the device machine (NVIDIA H100, NVIDIA's
# Vulkan driver, no Vulkan loader): with DIR made by tools/pack-device.sh,
# shows the device, runs the conformance suite on it (the Vulkan plugin
# against the reference backend), trueno-bench-gpu vulkan beside PyTorch's
# cuBLAS anchors, and the Fashion-MNIST k-NN with the GPU plugin loaded.
set -uo pipefail
dir=$(cd "$1" && pwd)
export LD_LIBRARY_PATH=$dir/lib:$dir/extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export TRUENO_PLUGIN_PATH=$dir/lib/trueno/plugins TRUENO_CACHE_DIR=$dir/cache
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
echo "== trueno-info"
"$dir/bin/trueno-info" | sed -n '/Devices/,$p'
echo "== conformance: the Vulkan plugin against the reference backend"
TRUENO_BACKENDS=vulkan "$dir/bin/test_conformance" | grep -v '# SKIP' | tail -25
echo "== trueno-bench-gpu vulkan"
"$dir/bin/trueno-bench-gpu" vulkan
echo "== PyTorch anchors (same machine, same run)"
python3 "$dir/tools/bench-gpu-anchor.py"
echo "== trueno-fashion-knn (all plugins; the dispatcher chooses), k=1, then k=5 distance"
"$dir/bin/trueno-fashion-knn" --data "$dir/data"
"$dir/bin/trueno-fashion-knn" --data "$dir/data" --k 5 --weights distance | grep -E "accuracy|time|backends|exact"
