#!/usr/bin/python3
"""Fits the polynomials of the cpu-x86 plugin's float32 gelu (vmath.h) and
prints them as C initialisers. Reproducible: Chebyshev least squares
(numpy.polynomial.chebyshev) on 3000 Chebyshev nodes against Python's
math.erf/math.erfc in float64, converted to the monomial basis.

gelu(x) = x·Φ(x), Φ the standard normal CDF.
  |x| < 1:  Φ(x) = 1/2 + x·S(x²)
  |x| >= 1: Φ(−u) = e^(−u²/2)·t·H(t), u = |x|, t = 1/u, so
            gelu(x) = −e^(−u²/2)·H(t) for x < 0 and x − e^(−u²/2)·H(t) for
            x > 0. H is fitted on t in [0.4, 1] and [1/14, 0.4], each in
            s = a·t + b mapped to [−1, 1].
It also prints each fit's max relative error (float64 evaluation, and
float32 Horner evaluation) in units of 2^−24.
"""
import math

import numpy as np
from numpy.polynomial import chebyshev as C

DEG_S, DEG_H = 6, 9


def phi_tail(t):  # H(t) = Φ(−1/t)·e^(1/(2t²)) / t
    u = 1 / t
    return 0.5 * math.erfc(u / math.sqrt(2)) * math.exp(u * u / 2) / t


def fit(f, lo, hi, deg):
    a, b = 2 / (hi - lo), -(hi + lo) / (hi - lo)
    s = np.cos(np.linspace(0, np.pi, 3000))
    p = C.cheb2poly(C.chebfit(s, [f((v - b) / a) for v in s], deg))
    x = np.linspace(lo, hi, 100001)
    want = np.array([f(v) for v in x])
    acc = np.zeros(x.shape, np.float32)
    s32 = np.float32(a) * x.astype(np.float32) + np.float32(b)
    for c in p.astype(np.float32)[::-1]:
        acc = acc * s32 + c
    e32 = np.max(np.abs(acc / want - 1)) / 2 ** -24
    return a, b, p, e32


def show(name, a, b, p, e32):
    print(f"/* {name}: s = {a:.9g}f * v + {b:.9g}f; max relative error of the float32 Horner evaluation "
          f"{e32:.2f} * 2^-24 */")
    print("{" + ", ".join(f"{c:.9e}f" for c in p[::-1]) + "}  /* highest degree first */")


def main():
    def s_fn(w):  # S(w) = (Φ(x) − 1/2)/x with w = x²
        return 0.5 * math.erf(math.sqrt(w / 2)) / math.sqrt(w) if w > 0 else 1 / math.sqrt(2 * math.pi)
    show("S on w = x² in [0, 1]", *fit(s_fn, 0.0, 1.0, DEG_S))
    show("H on t in [0.4, 1]", *fit(phi_tail, 0.4, 1.0, DEG_H))
    show("H on t in [1/14, 0.4]", *fit(phi_tail, 1 / 14, 0.4, DEG_H))


if __name__ == "__main__":
    main()
