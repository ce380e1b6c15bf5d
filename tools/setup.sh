# setup.sh — sourced by demo.sh and test.sh: installs, from Debian's
# packages, whatever of the build and test dependencies is missing.
# Idempotent: a machine that has everything runs no apt at all.

# python3-numpy and python3-torch are the references of the differential tests
# and, with libopenblas-dev and python3-matplotlib, the anchors and plots of
# tools/bench-compare; the Fashion-MNIST example reads Debian's
# dataset-fashion-mnist with zlib, draws with libpng, and is checked against
# python3-sklearn; the Vulkan plugin builds with libvulkan-dev and glslc and is
# tested on Mesa's lavapipe (mesa-vulkan-drivers) under the Khronos validation
# layer (vulkan-validationlayers)
trueno_packages="cmake ninja-build gcc libc6-dev pkg-config binutils libcjson-dev libdlpack-dev clang libopenblas-dev
                 zlib1g-dev libpng-dev dataset-fashion-mnist
                 libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers
                 python3 python3-numpy python3-torch python3-sklearn python3-matplotlib"

trueno_setup() {
    local missing=()
    for p in $trueno_packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "trueno: installing ${missing[*]} (apt)" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
