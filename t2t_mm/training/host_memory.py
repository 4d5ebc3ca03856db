"""Keep freed host memory in the process (glibc malloc), so large per-step tensors reuse warm pages.

glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh mmap and hands it
back to the kernel on free. A training step that makes the same large tensors every step (the expert
weights' gradients: 0.5 GB per matrix at paper scale, 240 experts) then pays page faults and zeroing
for all of them on every step, and how much depends on what the process allocated before: MoE/dense
fwd+bwd at 240 experts measured 2.2-6.8 from run to run with glibc's defaults, 1.98-2.06 with freed
memory kept (benchmarks/moe.py, benchmarks/results/moe.json). The peak resident size barely moves,
as kept memory is reused by the next step's tensors of the same sizes: the main job's first 600 steps
and two evals peaked at 3.09 GB kept, 2.99 GB with glibc's defaults, with the same losses.

Set once, early in the process; later allocations follow it. Other C libraries (macOS, musl): no-op.
"""
import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1    # mallopt parameters (malloc.h)
_M_MMAP_MAX = -4


def keep_freed_memory():
    """Serve large allocations from malloc's heap and never trim it: True where glibc took it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))
