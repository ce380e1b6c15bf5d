#!/bin/sh
# test_info.sh TRUENO_INFO PLUGIN_DIR CRASH_DIR — trueno-info's JSON parses,
# shows the reference device and every candidate plugin file with a status
# and, for the broken ones, a reason; the text report says the same; with
# --isolate a plugin that crashes in its probe is reported instead of
# killing trueno-info. Prints TAP.
info=$1 dir=$2 crash_dir=$3
n=0 failed=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

TRUENO_PLUGIN_PATH=$dir "$info" --json > "$tmp/info.json"
check $? "trueno-info --json exits 0"

/usr/bin/python3 - "$tmp/info.json" "$dir" > "$tmp/py.out" 2>&1 <<'PY'
import json, os, sys
doc = json.load(open(sys.argv[1]))
plugin_dir = os.path.realpath(sys.argv[2])
assert doc["abi"] == {"major": 1, "minor": 1}, doc["abi"]
assert doc["search_path"][0] == plugin_dir, doc["search_path"]
devices = doc["devices"]
assert devices[0]["plugin"] == "reference" and devices[0]["kind"] == "cpu", devices[0]
assert devices[0]["memory_space"] == "host"
for d in devices:
    for key in ("name", "plugin", "kind", "memory_space", "memory_bytes", "features", "cost"):
        assert key in d, (key, d)
    for key in ("launch_ns", "bandwidth_gbs", "gflops", "transfer_gbs"):
        assert key in d["cost"], (key, d["cost"])
    assert d["cost"]["bandwidth_gbs"] > 0
want = {"fastcpu": ("loaded", "none"), "fakegpu": ("loaded", "none"),
        "newerminor": ("loaded", "none"), "notelf": ("rejected", "open-failed"),
        "noentry": ("rejected", "no-entry-symbol"), "abimajor": ("rejected", "incompatible-abi"),
        "toosmall": ("rejected", "struct-too-small"), "nullfn": ("rejected", "missing-function"),
        "nodevice": ("no-device", "no-device"), "probefail": ("rejected", "probe-failed")}
seen = {p["name"]: p for p in doc["plugins"] if os.path.dirname(p["file"]) == plugin_dir}
for name, (status, code) in want.items():
    p = seen[name]
    assert (p["status"], p["reason_code"]) == (status, code), (name, p)
    assert status == "loaded" or p["reason"], (name, "rejected without a reason")
    assert (p["abi"] == "1.1") == (status != "rejected" or code in ("probe-failed", "missing-function", "struct-too-small")), p
gpu = [d for d in devices if d["plugin"] == "fakegpu"][0]
assert gpu["kind"] == "gpu" and gpu["memory_space"].startswith("device:"), gpu
assert gpu["cost"]["transfer_gbs"] == 0.01, gpu["cost"]
print("all checks passed for", len(doc["plugins"]), "plugin files and", len(devices), "devices")
PY
rc=$?; sed 's/^/# /' "$tmp/py.out"
check $rc "the JSON has the documented schema, the reference device and each plugin's status and reason"

"$info" --json > "$tmp/plain.json" && /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["devices"][0]["plugin"]=="reference"' "$tmp/plain.json"
check $? "without any plugin path the reference device is there"

TRUENO_PLUGIN_PATH=$dir "$info" > "$tmp/info.txt"
grep -q "rejected   notelf" "$tmp/info.txt" && grep -q "no-device  nodevice" "$tmp/info.txt" &&
  grep -q "no test hardware attached" "$tmp/info.txt" && grep -q "cost model" "$tmp/info.txt"
check $? "the text report lists statuses, reasons and cost models"

"$info" --bogus > /dev/null 2>&1
[ $? = 2 ]; check $? "an unknown argument is refused with exit status 2"
# A plugin that segfaults in its probe: the known limit of in-process
# plugins, and what --isolate is for.
TRUENO_PLUGIN_PATH=$crash_dir "$info" > /dev/null 2>&1
rc=$?; [ $rc -gt 128 ]; check $? "without --isolate a crashing plugin kills trueno-info (signal exit $rc): the documented limit"
TRUENO_PLUGIN_PATH=$crash_dir "$info" --isolate --json > "$tmp/isolate.json"
rc=$?
/usr/bin/python3 - "$tmp/isolate.json" > "$tmp/iso.out" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
by = {p["name"]: p for p in doc["plugins"]}
assert by["crash"]["status"] == "rejected" and by["crash"]["reason_code"] == "crashed", by["crash"]
assert "signal" in by["crash"]["reason"], by["crash"]  # SIGSEGV, or SIGABRT under ASan
assert by["fastcpu"]["status"] == "loaded", by["fastcpu"]
assert any(d["plugin"] == "fastcpu" for d in doc["devices"])
PY
py=$?; sed 's/^/# /' "$tmp/iso.out"
[ $rc = 0 ] && [ $py = 0 ]; check $? "trueno-info --isolate reports the crash (with its signal) and still loads the other plugin"
echo "1..$n"
[ "$failed" = 0 ]
