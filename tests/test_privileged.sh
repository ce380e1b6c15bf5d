#!/bin/sh
# test_privileged.sh HELPER PLUGIN — plugin search in a privileged process.
# A setuid-root copy of the helper is run as nobody (setpriv), so the
# kernel sets AT_SECURE exactly as for a real setuid program. Then:
#   - TRUENO_PLUGIN_PATH is ignored: a canary plugin placed there is not
#     even a candidate, so it loads zero times;
#   - a group- or world-writable plugin file is refused ("insecure-file"),
#     while the same file with safe permissions loads.
# Needs root and setpriv (util-linux); otherwise the test is skipped.
helper=$(realpath "$1") plugin=$(realpath "$2")
if [ "$(id -u)" != 0 ] || ! command -v setpriv > /dev/null; then
  echo "1..0 # SKIP needs root and setpriv to make a setuid helper"
  exit 0
fi
n=0 failed=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
base=$(dirname "$helper")/privileged-test
rm -rf "$base"
mkdir -p "$base/canary" "$base/trusted"
chmod 755 "$base" "$base/canary" "$base/trusted"
cp "$helper" "$base/helper"
chown root:root "$base/helper"
chmod 4755 "$base/helper"
cp "$plugin" "$base/canary/libtrueno-canary.so"
cp "$plugin" "$base/trusted/libtrueno-safe.so"
cp "$plugin" "$base/trusted/libtrueno-writable.so"
chmod 644 "$base/trusted/libtrueno-safe.so" "$base/canary/libtrueno-canary.so"
chmod 666 "$base/trusted/libtrueno-writable.so"

TRUENO_PLUGIN_PATH="$base/canary" TRUENO_CACHE_DIR=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$base/helper" "$base/trusted" > "$base/out" 2>&1
rc=$?
sed 's/^/# /' "$base/out"
[ $rc = 0 ] && grep -q "^secure 1" "$base/out"
check $? "the setuid helper runs with AT_SECURE set"
! grep -q canary "$base/out"
check $? "TRUENO_PLUGIN_PATH is ignored: the canary plugin there is not a candidate and loads zero times"
grep -q "^plugin writable 2 10 " "$base/out"
check $? "a world-writable plugin file is refused as insecure-file"
grep -q "^plugin safe 0 0 " "$base/out"
check $? "the same plugin with safe permissions loads"

"$base/helper" "$base/trusted" > "$base/out2" 2>&1   # as root: euid == ruid, not privileged
grep -q "^secure 0" "$base/out2" && grep -q "^plugin writable 0 0 " "$base/out2"
check $? "unprivileged, the writable file is an ordinary candidate (the rule is for privileged processes)"
rm -rf "$base"
echo "1..$n"
[ "$failed" = 0 ]
