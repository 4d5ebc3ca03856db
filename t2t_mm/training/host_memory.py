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

Kept memory fragments over a long run: with bucketed batches the step's tensors change size, and the
heap's free space grew by about 30 MB per 1,000 main-job steps (mallinfo2, 3,000 steps). The trainer
hands the free pages back every trainer.GIVE_BACK_EVERY steps and before its final eval
(give_back_free_memory), so that growth does not add up.
"""
import ctypes
import ctypes.util
import functools

_M_TRIM_THRESHOLD = -1    # mallopt parameters (malloc.h)
_M_MMAP_MAX = -4


@functools.lru_cache(maxsize=None)
def _libc():
    """The C library, looked up once (find_library runs ldconfig: about 2 ms a call)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def keep_freed_memory():
    """Serve large allocations from malloc's heap and never trim it: True where glibc took it."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))


def give_back_free_memory():
    """malloc_trim(0): the free pages anywhere in malloc's heap go back to the kernel (the memory kept
    stays allocated to the process, not resident). True where glibc did it."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True
