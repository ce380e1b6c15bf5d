#!/usr/bin/python3
"""test_bench.py TRUENO_BENCH — trueno-bench runs and says what it measured:
its JSON parses and holds one result per cell, backend and output mode,
with the op table's byte and flop counts, ordered timings and the backend
that ran; CSV, the table, --serve and --first-op work; bad cells are
refused with a sentence. Speed is never asserted here (tools/bench-compare
measures it). Prints TAP."""
import json
import subprocess
import sys
import time

bench = sys.argv[1]
count = 0
failed = 0


def check(cond, what):
    global count, failed
    count += 1
    print(("ok" if cond else "not ok") + f" {count} - {what}")
    failed += not cond


def run(*args, stdin=None):
    return subprocess.run([bench, *args], input=stdin, capture_output=True, text=True, timeout=600)


quick = ["--cell-time", "0.005", "--min-batch", "0.0002"]

listing = run("--list")
check(listing.returncode == 0, "--list exits 0")
table = json.loads(listing.stdout)
names = {o["name"]: o for o in table["ops"]}
check(len(names) == len(table["ops"]) and {"add", "matmul", "softmax", "conv2d", "nonzero"} <= names.keys(),
      f"--list gives the op table ({len(names)} ops)")
check(names["add"]["numpy"] == "numpy.add" and names["matmul"]["class"] == "matmul",
      "each op carries its class and its NumPy/PyTorch names")
check(table["devices"][0]["backend"] == "reference", "the reference backend is listed first")
backends = list(dict.fromkeys(d["backend"] for d in table["devices"]))

cells = {"add:float32:1000": (3 * 4 * 1000, 1000), "sum:float32:33x65": (4 * 33 * 65 + 4 * 33, 33 * 65),
         "matmul:float32:17x33x9": (4 * (17 * 33 + 33 * 9 + 17 * 9), 2 * 17 * 33 * 9),
         "conv2d:float32:2x4x9x9:out=6": None, "topk:float32:20x50:k=5": None, "cast:int32:777:to=float16": None,
         "cross_entropy:float32:16x10": None}
r = run("--format", "json", "--output", "both", *quick, *cells)
check(r.returncode == 0, "a JSON run over every backend exits 0" + (": " + r.stderr.strip() if r.returncode else ""))
doc = json.loads(r.stdout)
results = doc["results"]
check(len(results) == len(cells) * 2 * (len(backends) + 1),
      f"one result per cell, output mode and backend ({len(cells)} x 2 x {len(backends) + 1})")
check(isinstance(doc["counters"], str) and doc["counters"], f"the counters in use are named ({doc['counters']})")
bad = []
for x in results:
    if x["status"] == "unsupported" and x["backend"] not in ("reference", "auto"):
        continue  # a plugin may decline an op; the dispatcher runs it elsewhere
    if x["status"] != "ok":
        bad.append(f"{x['cell']} on {x['backend']}: {x.get('error')}")
        continue
    if not (0 < x["min_ns"] <= x["median_ns"] <= x["max_ns"]):
        bad.append(f"{x['cell']} on {x['backend']}: timings not ordered")
    if x["backend"] != "auto" and x["ran_on"] != x["backend"]:
        bad.append(f"{x['cell']} forced onto {x['backend']} ran on {x['ran_on']}")
    if x["backend"] == "auto" and x["ran_on"] not in backends:
        bad.append(f"{x['cell']}: auto ran on '{x['ran_on']}'")
    if not x["counters"]:
        bad.append(f"{x['cell']}: no counters")
    want = cells[x["cell"]]
    if want and (x["bytes"], x["flops"]) != want:
        bad.append(f"{x['cell']}: bytes/flops {x['bytes']}/{x['flops']}, want {want}")
    if abs(x["gbs"] - x["bytes"] / x["median_ns"]) > 1e-6 * x["gbs"] + 1e-12:
        bad.append(f"{x['cell']}: GB/s is not bytes / median")
check(not bad, "every result is complete and consistent" + ("; " + "; ".join(bad[:5]) if bad else ""))
check({x["output"] for x in results} == {"reuse", "fresh"}, "reused and fresh outputs are both measured")

if table["openblas"]:
    r = run("--format", "json", "--backends", "openblas,auto", *quick, "matmul:float32:33", "dot:float64:100",
            "exp:float32:10")
    got = [(x["cell"], x["backend"], x["status"], x.get("ran_on")) for x in json.loads(r.stdout)["results"]]
    check(r.returncode == 0 and got[0] == ("matmul:float32:33", "openblas", "ok", "openblas") and got[2][2] == "ok"
          and got[4][2] == "unsupported" and "OpenBLAS has no routine" in json.loads(r.stdout)["results"][4]["error"],
          f"OpenBLAS ({table['openblas']}) times the matmul family, declines the rest with a reason")
else:
    print(f"ok {count + 1} - # SKIP libopenblas.so.0 not found")
    count += 1
r = run("--format", "json", "--backends", "reference,auto", "--call", "both", "--placement", "resident", *quick,
        "add:float32:1024", "floor_divide:int32:100")
res = json.loads(r.stdout)["results"] if r.returncode == 0 else []
plans = [x for x in res if x["call"] == "plan"]
check(len(res) == 8 and len(plans) == 4 and all(x["status"] == "ok" for x in res)
      and all(p["ran_on"] == q["ran_on"] for p, q in zip(plans, [x for x in res if x["call"] == "run"])),
      "--call both times trueno_op_run and a plan on every backend; the plan runs where op_run does")
r = run("--format", "csv", "--backends", "reference,auto", "--placement", "both", *quick, "exp:float64:100")
rows = r.stdout.strip().splitlines()
check(r.returncode == 0 and len(rows) == 5 and rows[0].startswith("op,dtype,shape,backend,ran_on")
      and all(row.split(",")[rows[0].split(",").index("status")] == "ok" for row in rows[1:]),
      "CSV: a header and one row per backend and placement")
r = run("--backends", "reference", *quick, "--ops", "add,negative", "--sizes", "10,20", "--dtypes", "int8,float32")
rows = [ln for ln in r.stdout.splitlines() if not ln.startswith(("#", "op "))]
check(r.returncode == 0 and len(rows) == 8, "--ops x --sizes x --dtypes makes every combination (table)")

r = run("--serve", stdin="--backends auto --cell-time 0.005 add:float32:64\n--backends reference --cell-time 0.005 "
        "sum:float32:100 mean:float32:100\n")
lines = [json.loads(ln) for ln in r.stdout.splitlines()]
check(r.returncode == 0 and [len(x["results"]) for x in lines] == [1, 2], "--serve answers one JSON line per request")

for cell, words in [("nosuchop:float32:10", "not an op"), ("bitwise_and:float32:10", "does not take float32"),
                    ("add:float32:10:bogus=1", "unknown key"), ("add:float32:1x-3", "not an extent"),
                    ("matmul:float32:2x3", "takes n, MxKxN")]:
    r = run("--backends", "reference", *quick, cell)
    check(r.returncode == 1 and words in r.stderr, f"'{cell}' is refused: {r.stderr.strip()}")

r = subprocess.run([bench, "--first-op", repr(time.monotonic())], capture_output=True, text=True, timeout=120)
first = json.loads(r.stdout) if r.returncode == 0 else {}
check(r.returncode == 0 and 0 < first["in_process_s"] <= first["first_op_s"] < 60,
      f"--first-op times process start to the first result ({first.get('first_op_s')} s)")

print(f"1..{count}")
sys.exit(1 if failed else 0)
