"""mm-trainer keeps freed host memory: a large tensor made again reuses warm pages (no new page faults),
where glibc's defaults map and fault in fresh pages every time; give_back_free_memory returns the free
pages to the kernel."""
import platform
import subprocess
import sys
import textwrap

import pytest

FAULTS_OF_A_REMADE_BUFFER = textwrap.dedent("""
    import ctypes, resource, sys
    from t2t_mm.training import host_memory
    if sys.argv[1] == "kept":
        assert host_memory.keep_freed_memory()
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    def remade():   # as TensorFlow's CPU allocator makes a tensor: malloc, write, free
        size = 64 * 2 ** 20   # above glibc's largest mmap threshold (32 MB)
        buffer = libc.malloc(size)
        ctypes.memset(buffer, 1, size)
        libc.free(buffer)
    remade()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):
        remade()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """)


def _faults(mode):
    done = subprocess.run([sys.executable, "-c", FAULTS_OF_A_REMADE_BUFFER, mode], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt settings are glibc's; elsewhere keep_freed_memory is a no-op")
def test_a_remade_large_buffer_reuses_kept_pages():
    pages = 3 * 64 * 2 ** 20 // 4096
    assert _faults("glibc") > pages // 2      # the default: fresh pages (faulted in) every time
    assert _faults("kept") < pages // 20      # kept: the same pages again


RESIDENT_AFTER_GIVING_BACK = textwrap.dedent("""
    import ctypes
    from t2t_mm.training import host_memory
    assert host_memory.keep_freed_memory()
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2 ** 20
    size = 64 * 2 ** 20
    keep, freed = libc.malloc(4096), libc.malloc(size)
    ctypes.memset(freed, 1, size)
    libc.free(freed)
    kept = resident_mb()
    assert host_memory.give_back_free_memory()
    print(kept - resident_mb())
    """)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's; elsewhere give_back_free_memory is a no-op")
def test_giving_back_returns_kept_free_pages_to_the_kernel():
    done = subprocess.run([sys.executable, "-c", RESIDENT_AFTER_GIVING_BACK], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[-1]) > 48   # of the 64 MB buffer freed but kept resident
