"""A thin ctypes binding of libtrueno-core for the differential tests.

Tensors go in as NumPy arrays (copied: trueno_tensor_from_buffer_copy) and
come back as NumPy arrays (trueno_tensor_read). bfloat16, which NumPy lacks,
travels as its uint16 bit pattern. Every call checks the status and raises
TruenoError with trueno_last_error() on failure.
"""
import ctypes
import numpy as np

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64"]
CODE = {name: i for i, name in enumerate(DTYPES)}
NUMPY = {"bool": np.bool_, "uint8": np.uint8, "int8": np.int8, "int16": np.int16,
         "int32": np.int32, "int64": np.int64, "float16": np.float16,
         "bfloat16": np.uint16, "float32": np.float32, "float64": np.float64}
FLOATS = ("float16", "bfloat16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")


class TruenoError(Exception):
    def __init__(self, status, message):
        super().__init__(f"status {status}: {message}")
        self.status = status
        self.message = message


class OpInfo(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("code", ctypes.c_uint32),
                ("n_inputs", ctypes.c_uint32), ("n_outputs", ctypes.c_uint32),
                ("op_class", ctypes.c_uint32), ("dtypes", ctypes.c_uint32),
                ("out_rule", ctypes.c_uint32), ("tol_class", ctypes.c_uint32),
                ("name", ctypes.c_char_p), ("numpy", ctypes.c_char_p), ("torch", ctypes.c_char_p)]


class Slice(ctypes.Structure):
    _fields_ = [("start", ctypes.c_int64), ("stop", ctypes.c_int64), ("step", ctypes.c_int64)]


SLICE_ALL = -(2 ** 63)
AXIS_NONE = -(2 ** 31)


def bf16_from_f32(x):
    """Round float32 values to bfloat16 bits, nearest even (NaN stays NaN)."""
    b = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    one, sixteen = np.uint64(1), np.uint64(16)
    rounded = ((b + np.uint64(0x7FFF) + ((b >> sixteen) & one)) >> sixteen).astype(np.uint16)
    nan = np.isnan(np.asarray(x, np.float32))
    return np.where(nan, np.uint16(0x7FC0), rounded)


def bf16_to_f32(bits):
    wide = np.asarray(bits, np.uint16).astype(np.uint32) << np.uint32(16)
    return np.array(wide, np.uint32, ndmin=1).view(np.float32).reshape(np.shape(bits))


class Trueno:
    def __init__(self, path, threads=2):
        self.c = c = ctypes.CDLL(path)
        c.trueno_last_error.restype = ctypes.c_char_p
        c.trueno_op_lookup.restype = ctypes.POINTER(OpInfo)
        c.trueno_op_tolerance.restype = ctypes.c_double
        c.trueno_op_tolerance.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_uint32)]
        c.trueno_tensor_shape.restype = ctypes.POINTER(ctypes.c_int64)
        c.trueno_tensor_rank.restype = ctypes.c_size_t
        c.trueno_tensor_numel.restype = ctypes.c_int64
        c.trueno_tensor_dtype.restype = ctypes.c_int
        for fn in ("trueno_tensor_rank", "trueno_tensor_numel", "trueno_tensor_dtype",
                   "trueno_tensor_shape", "trueno_tensor_free"):
            getattr(c, fn).argtypes = [ctypes.c_void_p]
        self.live = []
        opts = (ctypes.c_uint32 * 12)()
        opts[0] = 48  # struct_size of trueno_runtime_options
        opts[1] = 2 | 4  # NO_PLUGINS: the reference alone; GUARD_OUTPUTS: guard bytes around every output
        ctypes.memmove(ctypes.addressof(opts) + 40, (ctypes.c_uint32 * 1)(threads), 4)
        rt = ctypes.c_void_p()
        self.check(c.trueno_runtime_create(opts, ctypes.byref(rt)))
        self.rt = rt

    def check(self, status):
        if status != 0:
            raise TruenoError(status, self.c.trueno_last_error().decode())

    def op_info(self, code):
        p = self.c.trueno_op_lookup(code)
        return p.contents if p else None

    def tolerance(self, op_code, dtype):
        kind = ctypes.c_uint32()
        bound = self.c.trueno_op_tolerance(op_code, CODE[dtype], ctypes.byref(kind))
        return kind.value, bound

    # ---- tensors ---------------------------------------------------------
    def tensor(self, arr, dtype=None):
        """A tensor holding a copy of arr (dtype name; bfloat16 from bits)."""
        dtype = dtype or {np.dtype(v): k for k, v in NUMPY.items() if k != "bfloat16"}[arr.dtype]
        a = np.array(arr, dtype=NUMPY[dtype], order="C")  # (ascontiguousarray makes 0-d 1-d)
        shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
        out = ctypes.c_void_p()
        self.check(self.c.trueno_tensor_from_buffer_copy(self.rt, CODE[dtype], ctypes.c_size_t(a.ndim), shape,
                                                         a.ctypes.data_as(ctypes.c_void_p), ctypes.byref(out)))
        self.live.append(out.value)
        return out.value

    def own(self, ptr):
        self.live.append(ptr)
        return ptr

    def dtype_of(self, t):
        return DTYPES[self.c.trueno_tensor_dtype(ctypes.c_void_p(t))]

    def array(self, t):
        """The tensor's values as a NumPy array (bfloat16 as uint16 bits)."""
        rank = self.c.trueno_tensor_rank(ctypes.c_void_p(t))
        sp = self.c.trueno_tensor_shape(ctypes.c_void_p(t))
        shape = tuple(sp[i] for i in range(rank))
        a = np.empty(shape, dtype=NUMPY[self.dtype_of(t)])
        self.check(self.c.trueno_tensor_read(ctypes.c_void_p(t), a.ctypes.data_as(ctypes.c_void_p),
                                             ctypes.c_size_t(a.nbytes)))
        return a

    def free_all(self):
        for p in self.live:
            self.c.trueno_tensor_free(ctypes.c_void_p(p))
        self.live = []

    # ---- calls --------------------------------------------------------------
    def call(self, fn, *args, n_out=1):
        """Calls trueno_<fn>(args..., &out0[, &out1]); args are ctypes values
        or tensor pointers (ints, passed as c_void_p). Returns the outputs."""
        outs = [ctypes.c_void_p() for _ in range(n_out)]
        cargs = [ctypes.c_void_p(a) if isinstance(a, int) else a for a in args]
        self.check(getattr(self.c, "trueno_" + fn)(*cargs, *[ctypes.byref(o) for o in outs]))
        for o in outs:
            self.live.append(o.value)
        return outs[0].value if n_out == 1 else [o.value for o in outs]

    def view(self, fn, t, *args):
        return self.call(fn, t, *args)

    def destroy(self):
        self.free_all()
        self.c.trueno_runtime_destroy(self.rt)
