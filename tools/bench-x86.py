#!/usr/bin/python3
"""The cpu-x86 plugin against NumPy and PyTorch (issue 4's targets), side by
side in one run on this machine, one thread each, written as Markdown:

    /usr/bin/python3 tools/bench-x86.py BUILD_DIR > docs/benchmarks.md
(then tools/bench-knn.py BUILD_DIR >> docs/benchmarks.md adds the k-NN section)

Trueno's figures come from BUILD_DIR/bin/trueno-bench-ops (outputs
preallocated and reused, TRUENO_NUM_THREADS=1); NumPy's and PyTorch's are
timed here the same way (out= buffers, torch.set_num_threads(1)): batches
of calls lasting >= 2 ms, the median of 21 batches per call; three rounds
in which each case runs on Trueno, NumPy and PyTorch back to back, the
median round reported. The GEMM rows
come from BUILD_DIR/bin/trueno-bench-gemm (Trueno against OpenBLAS; run
with OPENBLAS_CORETYPE unset). Ratios above 1 mean Trueno is faster.
"""
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import torch

BATCHES = 21
ROUNDS = 3


def per_call(fn):
    """Median seconds per call of fn(), in batches of >= 2 ms."""
    k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        if time.perf_counter() - t0 >= 2e-3:
            break
        k *= 2
    times = []
    for _ in range(BATCHES):
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        times.append((time.perf_counter() - t0) / k)
    return sorted(times)[BATCHES // 2]


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
    torch.set_num_threads(1)
    rng = np.random.default_rng(1)

    def f32(*shape):
        return rng.uniform(-3, 3, shape).astype(np.float32)

    x1m, o1m = f32(1_000_000), np.empty(1_000_000, np.float32)
    a10m, b10m, o10m = f32(10_000_000), f32(10_000_000), np.empty(10_000_000, np.float32)
    a1k, b1k, o1k = f32(1024), f32(1024), np.empty(1024, np.float32)
    s2d, so2d = f32(1024, 1024), np.empty((1024, 1024), np.float32)
    t = torch.from_numpy
    tx1m, to1m = t(x1m), t(o1m)

    def np_sigmoid():
        np.negative(x1m, out=o1m)
        np.exp(o1m, out=o1m)
        o1m.__iadd__(1)
        np.reciprocal(o1m, out=o1m)

    def np_softmax():
        m = s2d.max(axis=1, keepdims=True)
        np.subtract(s2d, m, out=so2d)
        np.exp(so2d, out=so2d)
        so2d.__itruediv__(so2d.sum(axis=1, keepdims=True))

    # label, trueno-bench-ops case, bytes moved (for GB/s) or None, NumPy, PyTorch, target
    cases = [
        ("add 10M float32, reused output", "add:float32:10000000", 3 * 4 * 10_000_000,
         lambda: np.add(a10m, b10m, out=o10m), lambda: torch.add(t(a10m), t(b10m), out=t(o10m)),
         ">= 18 GB/s"),
        ("exp 1M float32", "exp:float32:1000000", None,
         lambda: np.exp(x1m, out=o1m), lambda: torch.exp(tx1m, out=to1m), ">= 2x the faster"),
        ("tanh 1M float32", "tanh:float32:1000000", None,
         lambda: np.tanh(x1m, out=o1m), lambda: torch.tanh(tx1m, out=to1m), ">= 2x the faster"),
        ("sigmoid 1M float32", "sigmoid:float32:1000000", None,
         np_sigmoid, lambda: torch.sigmoid(tx1m, out=to1m), ">= 2x the faster"),
        ("gelu 1M float32 (erf)", "gelu:float32:1000000", None,
         None, lambda: torch.nn.functional.gelu(tx1m), ">= 2x the faster"),
        ("sin 1M float32", "sin:float32:1000000", None,
         lambda: np.sin(x1m, out=o1m), lambda: torch.sin(tx1m, out=to1m), "(no target)"),
        ("sum 10M float32 (float64 accumulation)", "sum:float32:10000000:1", 4 * 10_000_000,
         lambda: np.sum(a10m), lambda: torch.sum(t(a10m)), "(no target)"),
        ("argmax 1M float32", "argmax:float32:1000000:1", None,
         lambda: np.argmax(x1m), lambda: torch.argmax(tx1m), ">= NumPy"),
        ("softmax rows 1024x1024 float32", "softmax:float32:1024x1024:1", None,
         np_softmax, lambda: torch.softmax(t(s2d), 1),
         "<= 0.4 ms"),
        ("add 1K float32, trueno_op_run (reused output)", "add:float32:1024", None,
         lambda: np.add(a1k, b1k, out=o1k), lambda: torch.add(t(a1k), t(b1k), out=t(o1k)), "<= 100 ns"),
        ("add 1K float32, trueno_add (new output)", "--api-add 1024", None,
         lambda: np.add(a1k, b1k), lambda: torch.add(t(a1k), t(b1k)), "<= 100 ns"),
    ]
    env = dict(os.environ, TRUENO_NUM_THREADS="1")

    def trueno_case(spec):
        out = subprocess.run([os.path.join(build, "bin", "trueno-bench-ops")] + spec.split(), env=env,
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)["seconds"]

    # ROUNDS rounds; in each, every case runs on Trueno, NumPy, PyTorch back
    # to back, so the three see the same machine; the median round counts.
    times = [[[], [], []] for _ in cases]
    for _ in range(ROUNDS):
        for (label, spec, nbytes, np_fn, torch_fn, target), tt in zip(cases, times):
            tt[0].append(trueno_case(spec))
            tt[1].append(per_call(np_fn) if np_fn else None)
            tt[2].append(per_call(torch_fn) if torch_fn else None)
    backend = subprocess.run([os.path.join(build, "bin", "trueno-info")], capture_output=True,
                             text=True).stdout
    isa = next((ln.split("features: ")[1].split()[0] for ln in backend.splitlines() if "isa=" in ln), "?")

    def fmt(s):
        return "—" if s is None else f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.3f} ms"

    print("# cpu-x86 against NumPy, PyTorch and OpenBLAS\n")
    print(f"Generated by `tools/bench-x86.py` on {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, cpu-x86 at {isa}; NumPy {np.__version__}, PyTorch {torch.__version__}. "
          "One thread for all three; per call the median of 21 batches (each ≥ 2 ms), and of 3 rounds in which "
          "each case runs on the three back to back; "
          "Trueno's outputs preallocated and reused, NumPy's and PyTorch's through `out=` where the API has it. "
          "Ratio: the faster of NumPy and PyTorch divided by Trueno (above 1: Trueno is faster). "
          "This machine is shared and noisy: expect ±20% between runs.\n")
    print("| case | Trueno | NumPy | PyTorch | ratio | target |")
    print("|---|---:|---:|---:|---:|---|")
    def median(v):
        return None if v[0] is None else sorted(v)[len(v) // 2]

    for (label, _, nbytes, _np, _torch, target), (t3, n3, p3) in zip(cases, times):
        tt, tn, tp = median(t3), median(n3), median(p3)
        best = min(x for x in (tn, tp) if x is not None)
        extra = f" ({nbytes / tt / 1e9:.1f} GB/s)" if nbytes else ""
        print(f"| {label} | {fmt(tt)}{extra} | {fmt(tn)} | {fmt(tp)} | {best / tt:.2f} | {target} |")
    gemm = subprocess.run([os.path.join(build, "bin", "trueno-bench-gemm"), "1024"], capture_output=True,
                          text=True, env={k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"})
    print("\n## sgemm 1024³ against OpenBLAS (`trueno-bench-gemm 1024`, same run)\n")
    print("```\n" + (gemm.stdout or gemm.stderr).rstrip() + "\n```")


if __name__ == "__main__":
    main()
