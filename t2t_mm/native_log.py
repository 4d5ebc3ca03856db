"""Keeps TensorFlow's own log lines off the user's terminal: the first thing a user sees is ours.

TensorFlow's C++ runtime writes absl-formatted lines (``E0000 00:00:1764.. 123 mkl_util.h:42] oneDNN
supports DT_INT32 only on platforms with AVX-512``) straight to file descriptor 2, at any time during a
run and whatever TF_CPP_MIN_LOG_LEVEL says, and its Python side logs INFO lines through absl
(``I1130 ... functional_saver.py:440] Sharding callback duration``). ``install()`` (called by every
command-line program) lowers absl's Python verbosity to WARNING, drops TensorFlow's and Keras's own Python
log records below ERROR (ours pass), and routes fd 2 through a pipe whose
reader drops the native log lines and passes everything else on; Python's own sys.stderr is re-opened
on the real stderr, so our messages and tracebacks never wait on the filter. T2T_MM_VERBOSE=1 keeps all.
"""
import atexit
import io
import os
import re
import sys
import threading

# absl C++ / Python log prefix: severity letter, MMDD, a time, a thread id, file:line]
_LOG_LINE = re.compile(rb"^[IWEF]\d{4} [\d:.]+\s+\d+ [^\s\]]+:\d+\] ")
_NOISE = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
          b"To enable the following instructions:")
_state = {}


def verbose():
    return os.environ.get("T2T_MM_VERBOSE") == "1"


def is_native_log(line):
    """Whether a line (bytes) is one of TensorFlow's log lines rather than something of ours."""
    return bool(_LOG_LINE.match(line)) or line.startswith(_NOISE)


def install():
    """Filters fd 2 and quiets absl's INFO lines for the rest of the process (idempotent)."""
    if verbose() or _state:
        return
    from absl import flags, logging
    if not (flags.FLAGS.is_parsed() and (flags.FLAGS["verbosity"].present or flags.FLAGS["v"].present)):
        logging.set_verbosity(logging.WARNING)
    sys.stderr.flush()
    real = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(real), "wb", buffering=0), write_through=True,
                                  encoding=getattr(sys.stderr, "encoding", None) or "utf-8", errors="backslashreplace")
    handler = logging.get_absl_handler().python_handler
    if getattr(handler, "stream", None) is not None:
        handler.stream = sys.stderr   # absl's Python log lines (our warnings too) go straight out
    handler.addFilter(_drop_library_records)
    thread = threading.Thread(target=_forward, args=(read_end, real), daemon=True, name="native-log-filter")
    thread.start()
    _state.update(real=real, thread=thread)
    atexit.register(uninstall)


_LIBRARY_FILE = re.compile(r"[/\\](site|dist)-packages[/\\](tensorflow|keras|tf_keras|tensorboard|"
                           r"tensorflow_datasets)[/\\]")


def _drop_library_records(record):
    """TensorFlow's and Keras's own Python log records below ERROR stay off the terminal; ours pass."""
    import logging as std_logging
    if record.levelno >= std_logging.ERROR:
        return True
    return not (record.name == "tensorflow" or _LIBRARY_FILE.search(record.pathname or ""))


def _forward(read_end, real):
    """Passes on what is not a native log line; keeps draining the pipe even when the real stderr is
    gone (a full pipe would block TensorFlow's next write, and the process with it)."""
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        pending, dropping = b"", False
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = []
            for line in lines:
                # a log entry's continuation lines ("\t [[{{node IteratorGetNext}}]]") go with it
                dropping = is_native_log(line) or (dropping and line.startswith((b"\t", b" ")))
                if not dropping:
                    kept.append(line + b"\n")
            _write(real, b"".join(kept))
        if not (is_native_log(pending) or (dropping and pending.startswith((b"\t", b" ")))):
            _write(real, pending)


def _write(fd, data):
    try:
        if data:
            os.write(fd, data)
    except OSError:   # the reader of our stderr went away: nothing to show it to
        pass


def uninstall():
    """Puts the real stderr back on fd 2 and lets the filter pass on what it still holds."""
    if not _state:
        return
    os.dup2(_state["real"], 2)   # closes the pipe's last write end: the reader sees the end
    _state["thread"].join(timeout=2.0)
