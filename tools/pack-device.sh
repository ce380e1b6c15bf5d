#!/usr/bin/env bash
# tools/pack-device.sh BUILD_DIR OUT_DIR — gathers what the GPU bench needs on
# a machine without Debian's packages (the device machine: Ubuntu, no apt):
# the built programs and plugins, the Debian libraries they link that such a
# machine may lack (the Vulkan loader libvulkan1, cJSON, libpng; not OpenBLAS,
# 36 MB: trueno-bench skips that backend there), and the Fashion-MNIST files. tools/bench-h100.sh OUT_DIR runs there.
set -euo pipefail
build=$1 out=$2
rm -rf "$out" && mkdir -p "$out/bin" "$out/lib/trueno/plugins" "$out/extra" "$out/data" "$out/tools"
cp "$build"/bin/{trueno-info,trueno-bench,trueno-bench-gpu,trueno-fashion-knn,trueno-ulp-table,test_conformance,test_device_oom} "$out/bin/"
cp -P "$build"/lib/libtrueno-core.so* "$out/lib/"
cp "$build"/lib/trueno/plugins/libtrueno-{vulkan,cpu-x86}.so "$out/lib/trueno/plugins/"
for l in libvulkan.so.1 libcjson.so.1 libpng16.so.16 libgomp.so.1; do
    cp -L "$(ldconfig -p | awk -v l="$l" '$1 == l && /x86-64/ {print $NF; exit}')" "$out/extra/$l"
done
cp /usr/share/datasets/fashion-mnist/*.gz "$out/data/"
cp "$(dirname "$0")"/{bench-h100.sh,bench-gpu-anchor.py,bench-compare} "$out/tools/"
du -sh "$out"
