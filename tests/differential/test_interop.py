#!/usr/bin/python3
""".npy and DLPack interchange with NumPy and PyTorch (TAP).

- .npy files written by numpy.save (versions 1.0, 2.0, 3.0; both byte
  orders; C and Fortran order; every dtype Trueno shares with NumPy) load in
  Trueno with identical values;
- files trueno_npy_save writes load in NumPy with identical values and are
  byte-for-byte the file numpy.save writes for the same array;
- a Trueno tensor exported with trueno_to_dlpack is read by PyTorch and
  NumPy without a copy, and PyTorch/NumPy tensors imported with
  trueno_from_dlpack are read by Trueno without a copy.

usage: test_interop.py LIBTRUENO_CORE_SO
"""
import ctypes
import io
import os
import sys
import tempfile

import numpy as np
import numpy.lib.format as fmt
import torch
import torch.utils.dlpack

from trueno_ctypes import Trueno, TruenoError

lib = Trueno(sys.argv[1])
tmp = tempfile.mkdtemp(prefix="trueno-interop-")
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {what}")
    failed += not cond
    sys.stdout.flush()


def load(path):
    out = ctypes.c_void_p()
    lib.check(lib.c.trueno_npy_load(lib.rt, path.encode(), ctypes.byref(out)))
    return lib.own(out.value)


rng = np.random.default_rng(3)
arrays = {
    "bool": rng.integers(0, 2, (3, 4)).astype(np.bool_),
    "uint8": rng.integers(0, 256, (5,)).astype(np.uint8),
    "int8": rng.integers(-128, 128, (2, 3, 4)).astype(np.int8),
    "int16": rng.integers(-30000, 30000, (7, 2)).astype(np.int16),
    "int32": rng.integers(-2**31, 2**31, (4, 4)).astype(np.int32),
    "int64": rng.integers(-2**62, 2**62, (3,)).astype(np.int64),
    "float16": rng.standard_normal((6, 5)).astype(np.float16),
    "float32": rng.standard_normal((2, 3, 2, 2)).astype(np.float32),
    "float64": rng.standard_normal((9, 1)).astype(np.float64),
    "0-d": np.array(3.5),
    "empty": np.zeros((0, 3), np.float32),
}

# NumPy writes, Trueno reads
cases = 0
good = True
for name, a in arrays.items():
    variants = [("C", a)]
    if a.ndim >= 2:
        variants.append(("Fortran", np.asfortranarray(a)))
    if a.dtype.itemsize > 1:
        variants.append(("big-endian", a.astype(a.dtype.newbyteorder(">"))))
    for label, arr in variants:
        for version in ((1, 0), (2, 0), (3, 0)):
            path = os.path.join(tmp, f"{name}-{label}-{version[0]}.npy")
            with open(path, "wb") as f:
                fmt.write_array(f, arr, version=version)
            cases += 1
            try:
                got = lib.array(load(path))
                same = got.shape == a.shape and np.array_equal(got, a.astype(a.dtype.newbyteorder("=")), equal_nan=True)
            except TruenoError as e:
                same = False
                print(f"#   {name} {label} v{version}: {e}")
            if not same:
                good = False
                print(f"#   {name} {label} v{version}: values differ")
            lib.free_all()
ok(good, f"{cases} .npy files written by NumPy (v1-3, C/Fortran, both byte orders) load with identical values")

# Trueno writes, NumPy reads; the bytes equal numpy.save's
good = True
for name, a in arrays.items():
    t = lib.tensor(a, {"0-d": "float64", "empty": "float32"}.get(name, name))
    path = os.path.join(tmp, f"out-{name}.npy")
    lib.check(lib.c.trueno_npy_save(ctypes.c_void_p(t), path.encode()))
    back = np.load(path, allow_pickle=False)
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a) if a.ndim else a)
    same_bytes = open(path, "rb").read() == buf.getvalue()
    if not (np.array_equal(back, a, equal_nan=True) and back.dtype == a.dtype and same_bytes):
        good = False
        print(f"#   {name}: values {np.array_equal(back, a)} dtype {back.dtype} bytes identical {same_bytes}")
    lib.free_all()
ok(good, f"{len(arrays)} tensors saved by Trueno load in NumPy and are byte-identical to numpy.save's files")

# bfloat16 cannot be saved: NumPy has no such dtype
t = lib.call("astype", lib.tensor(np.ones(3, np.float32)), ctypes.c_int(7))
try:
    lib.check(lib.c.trueno_npy_save(ctypes.c_void_p(t), os.path.join(tmp, "bf16.npy").encode()))
    ok(False, "saving bfloat16 is refused")
except TruenoError as e:
    ok(e.status == 3 and "bfloat16" in e.message, f"saving bfloat16 is refused: {e.message}")
lib.free_all()

# ---- DLPack --------------------------------------------------------------------
PyCapsule_New = ctypes.pythonapi.PyCapsule_New
PyCapsule_New.restype = ctypes.py_object
PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
PyCapsule_GetPointer = ctypes.pythonapi.PyCapsule_GetPointer
PyCapsule_GetPointer.restype = ctypes.c_void_p
PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
PyCapsule_SetName = ctypes.pythonapi.PyCapsule_SetName
PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]


def export(t):
    p = ctypes.c_void_p()
    lib.check(lib.c.trueno_to_dlpack(ctypes.c_void_p(t), ctypes.byref(p)))
    return PyCapsule_New(p, b"dltensor", None)


class Exported:  # what numpy.from_dlpack wants: __dlpack__ and __dlpack_device__
    def __init__(self, t):
        self.t = t

    def __dlpack__(self, stream=None):
        return export(self.t)

    def __dlpack_device__(self):
        return (1, 0)


base = np.arange(24, dtype=np.float32).reshape(4, 6)
t = lib.tensor(base)
tv = lib.call("transpose", t, ctypes.c_int(0), ctypes.c_int(1))  # a strided view
pt = torch.utils.dlpack.from_dlpack(export(tv))
ok(pt.shape == (6, 4) and np.array_equal(pt.numpy(), base.T) and pt.stride() == (1, 6),
   "PyTorch reads an exported (strided) Trueno tensor with its strides, no copy")
na = np.from_dlpack(Exported(tv))
ok(np.array_equal(na, base.T) and na.ctypes.data == pt.data_ptr(), "NumPy reads the same memory through DLPack")
del pt, na

for dtype in (torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.int16, torch.float16, torch.bfloat16):  # (PyTorch 1.13 exports no bool)
    src = (torch.arange(12) % 5).to(dtype).reshape(3, 4)[:, 1::2]   # non-contiguous
    cap = torch.utils.dlpack.to_dlpack(src)
    ptr = PyCapsule_GetPointer(cap, b"dltensor")
    PyCapsule_SetName(cap, b"used_dltensor")   # Trueno owns it now: it calls the deleter
    out = ctypes.c_void_p()
    lib.check(lib.c.trueno_from_dlpack(lib.rt, ctypes.c_void_p(ptr), ctypes.byref(out)))
    got = lib.array(lib.own(out.value))
    want = src.float().numpy() if dtype == torch.bfloat16 else src.numpy()
    if dtype == torch.bfloat16:
        from trueno_ctypes import bf16_to_f32
        got = bf16_to_f32(got)
    ok(np.array_equal(got, want), f"a strided PyTorch {dtype} tensor is imported through DLPack and reads equal")
    lib.free_all()

# zero copy: a write through PyTorch is seen by the imported Trueno tensor
src = torch.zeros(5, dtype=torch.float64)
cap = torch.utils.dlpack.to_dlpack(src)
ptr = PyCapsule_GetPointer(cap, b"dltensor")
PyCapsule_SetName(cap, b"used_dltensor")
out = ctypes.c_void_p()
lib.check(lib.c.trueno_from_dlpack(lib.rt, ctypes.c_void_p(ptr), ctypes.byref(out)))
src[2] = 42
ok(lib.array(lib.own(out.value))[2] == 42, "import is zero-copy: Trueno sees a later PyTorch write")
lib.free_all()

lib.destroy()
print(f"1..{n}")
sys.exit(1 if failed else 0)
