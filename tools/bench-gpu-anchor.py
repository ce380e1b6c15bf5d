#!/usr/bin/env python3
"""bench-gpu-anchor.py — the anchors of trueno-bench-gpu on an NVIDIA GPU, through PyTorch:
cuBLAS FP32 sgemm (TF32 off) at 1024..8192, float16 matmul (tensor cores) at 4096 and
8192, add/exp/copy of 256 MiB, a chain of 1000 dependent adds of 1024 elements (eager),
and host<->device copies of 256 MiB, pinned and pageable. Same cases and units as
trueno-bench-gpu. Run by tools/bench-h100.sh."""
import time

import torch

torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device("cuda")


def timed(fn, reps=None):
    fn()
    torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    one = time.perf_counter() - t
    reps = reps or max(1, min(1000, int(0.2 / max(one, 1e-6))))
    best = 1e30
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - t) / reps)
    return best


print(f"device: {torch.cuda.get_device_name()} (PyTorch {torch.__version__}, cuBLAS, TF32 off)")
print(f"{'case':34s} {'time':>12s} {'rate':>14s}")
for n in (1024, 2048, 4096, 8192):
    a = torch.rand(n, n, device=dev)
    b = torch.rand(n, n, device=dev)
    c = torch.empty(n, n, device=dev)
    t = timed(lambda: torch.matmul(a, b, out=c))
    print(f"sgemm {n:<28d} {t * 1e3:9.3f} ms {2 * n**3 / t * 1e-12:9.1f} TFLOP/s")
for n in (4096, 8192):
    a = torch.rand(n, n, device=dev, dtype=torch.float16)
    b = torch.rand(n, n, device=dev, dtype=torch.float16)
    c = torch.empty(n, n, device=dev, dtype=torch.float16)
    t = timed(lambda: torch.matmul(a, b, out=c))
    print(f"hgemm {n:<28d} {t * 1e3:9.3f} ms {2 * n**3 / t * 1e-12:9.1f} TFLOP/s")
big = 64 << 20
x, y, z = (torch.rand(big, device=dev) for _ in range(3))
nbytes = 4 * big
t = timed(lambda: torch.add(x, y, out=z))
print(f"{'add float32, 256 MiB':34s} {t * 1e3:9.3f} ms {3 * nbytes / t * 1e-9:9.1f} GB/s")
t = timed(lambda: torch.exp(x, out=z))
print(f"{'exp float32, 256 MiB':34s} {t * 1e3:9.3f} ms {2 * nbytes / t * 1e-9:9.1f} GB/s")
t = timed(lambda: z.copy_(x))
print(f"{'device copy, 256 MiB':34s} {t * 1e3:9.3f} ms {2 * nbytes / t * 1e-9:9.1f} GB/s")
for pinned in (True, False):
    h = torch.empty(big, pin_memory=pinned)
    t = timed(lambda: z.copy_(h, non_blocking=pinned), reps=5)
    print(f"{'upload 256 MiB (' + ('pinned' if pinned else 'pageable') + ' host)':34s} {t * 1e3:9.3f} ms {nbytes / t * 1e-9:9.1f} GB/s")
    t = timed(lambda: h.copy_(z, non_blocking=pinned), reps=5)
    print(f"{'readback 256 MiB (' + ('pinned' if pinned else 'pageable') + ' host)':34s} {t * 1e3:9.3f} ms {nbytes / t * 1e-9:9.1f} GB/s")
s, ys = torch.rand(1024, device=dev), torch.rand(1024, device=dev)


def chain():
    global s
    for _ in range(1000):
        s = s + ys


t = timed(chain, reps=3)
print(f"{'chain of 1000 adds of 1024':34s} {t / 1000 * 1e6:9.3f} us per op")
