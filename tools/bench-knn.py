#!/usr/bin/python3
"""bench-knn.py — trueno-fashion-knn against scikit-learn, side by side in one run.

Usage: /usr/bin/python3 tools/bench-knn.py BUILD_DIR [--limit N] >> docs/benchmarks.md
(it prints a section; docs/benchmarks.md keeps it after the part tools/bench-compare generates)

For k=1 uniform and k=5 distance-weighted, and 1 and 2 threads, runs scikit-learn's KNeighborsClassifier(algorithm="brute")
(fit + predict, BLAS and joblib held to that many threads) and then
trueno-fashion-knn --threads N on the same Fashion-MNIST files, and prints each
one's classification time (loading excluded on both sides), the ratio
Trueno/scikit-learn (the issue's target: <= 0.6), whether the predictions agree,
and Trueno's peak RSS. OPENBLAS_CORETYPE is removed from the environment so that
OpenBLAS (NumPy's BLAS on Debian) picks its best kernels.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

DATA = "/usr/share/datasets/fashion-mnist"

SKLEARN = r"""
import gzip, sys, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.neighbors import KNeighborsClassifier
d, n, k, w, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6]
def images(f): return np.frombuffer(gzip.open(d + "/" + f).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
def labels(f): return np.frombuffer(gzip.open(d + "/" + f).read(), np.uint8, offset=8)
xtr, ytr = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
xte = images("t10k-images-idx3-ubyte.gz")[:n]
with threadpool_limits(threads):
    t = time.perf_counter()
    p = KNeighborsClassifier(k, algorithm="brute", weights=w, n_jobs=threads).fit(xtr, ytr).predict(xte)
    print("seconds", time.perf_counter() - t)
np.savetxt(out, p, fmt="%d")
"""


def run(cmd, env):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench-knn: {' '.join(cmd)} failed:\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--limit", type=int, default=10000)
    a = ap.parse_args()
    exe = os.path.join(a.build, "bin", "trueno-fashion-knn")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    import sklearn
    print(f"\n## Fashion-MNIST k-nearest neighbours against scikit-learn (`tools/bench-knn.py`)\n\n"
          f"{a.limit} test images against 60,000 training images, brute force; scikit-learn {sklearn.__version__} "
          f"`KNeighborsClassifier(algorithm='brute')` fit + predict with its BLAS and joblib held to the thread "
          f"count, then `trueno-fashion-knn --threads N`, back to back; times exclude loading the files on both "
          f"sides. Target: Trueno / scikit-learn <= 0.6.\n")
    print("| k, weights | threads | scikit-learn | Trueno | Trueno / scikit-learn | predictions agree | Trueno accuracy | Trueno peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    cells = [(k, weights, threads) for k, weights in ((1, "uniform"), (5, "distance")) for threads in (1, 2)]
    with tempfile.TemporaryDirectory() as tmp:
        sk_out, tr_out = os.path.join(tmp, "sk.txt"), os.path.join(tmp, "tr.txt")
        for k, weights, threads in cells:
            e = dict(env, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
            out = run([sys.executable, "-c", SKLEARN, DATA, str(a.limit), str(k), weights, str(threads), sk_out], e)
            sk = float(re.search(r"seconds (\S+)", out).group(1))
            out = run([exe, "--threads", str(threads), "--limit", str(a.limit), "--k", str(k),
                       "--weights", weights, "--predictions", tr_out], env)
            tr = float(re.search(r"classification (\S+) s", out).group(1))
            rss = re.search(r"peak memory \(RSS\): (\d+) MiB", out).group(1)
            acc = re.search(r"accuracy: (\S+)", out).group(1)
            agree = open(sk_out).read().split() == open(tr_out).read().split()
            print(f"| {k}, {weights} | {threads} | {sk:.2f} s | {tr:.2f} s | {tr / sk:.2f} | "
                  f"{'yes' if agree else 'NO'} | {acc} | {rss} MiB |", flush=True)

if __name__ == "__main__":
    main()
