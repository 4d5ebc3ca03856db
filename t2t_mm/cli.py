"""What the three command-line programs share: plugin loading, --registry_help, user-facing errors."""
import contextlib
import logging
import os
import sys

from absl import app, flags

from t2t_mm import native_log, plugins, registry
from t2t_mm.data import shard_check
from t2t_mm.errors import UserError

flags.DEFINE_string("usr_dir", None, "Directory of Python modules with user problems/hparams to register.")
flags.DEFINE_bool("registry_help", False, "List every registered problem, modality, model, hparams set "
                  "and mixture, then exit.")
FLAGS = flags.FLAGS


def fail(message):
    """Prints 'error: ...' with continuation lines indented, and exits 2."""
    lines = str(message).splitlines() or [""]
    print("error: " + lines[0], file=sys.stderr)
    for line in lines[1:]:
        print("       " + line, file=sys.stderr)
    sys.exit(2)


def exit_without_teardown(code):
    """Ends a program whose files are all written and closed, skipping the interpreter's teardown:
    destroying TensorFlow's distributed tf.data iterators joins their prefetch threads one by one, which
    took 60-95 s after a mini-suite training run (py-spy: ~MultiDeviceIterator waiting in
    ~LogicalThreadWrapper), a minute of the main job's 15."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    native_log.uninstall()   # what the atexit hook would do: pass on the filtered stderr's tail
    os._exit(code)


@contextlib.contextmanager
def quiet_native_stderr():
    """Silences what TensorFlow's C++ runtime prints while it loads (oneDNN, CUDA probing): TF 2.19+
    logs it before absl::InitializeLog, so TF_CPP_MIN_LOG_LEVEL cannot. T2T_MM_VERBOSE=1 keeps it."""
    if os.environ.get("T2T_MM_VERBOSE") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_plugins(usr_dir):
    """Loads built-ins and plugins, and lets TensorFlow initialise its devices, without log noise."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_native_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()
    plugins.load_all(usr_dir)


def start(main):
    """Runs main(argv) under absl after loading plugins; UserErrors become one-paragraph errors."""

    def wrapped(argv):
        native_log.install()   # TF's own log lines stay off the terminal (T2T_MM_VERBOSE=1 keeps them)
        try:
            load_plugins(FLAGS.usr_dir)
            if FLAGS.registry_help:
                print(registry.help_text())
                return 0
            with shard_check.naming_corrupt_shards():   # a DataLossError names its shard
                return main(argv)
        except UserError as exc:
            fail(exc)

    _list_flags_in_help(main.__module__)
    app.run(wrapped)


def _list_flags_in_help(module_name):
    """absl's --help lists the flags of the main module; under a console script that is the script
    file, so the program's module's flags and these shared ones are declared key flags of it."""
    by_module = FLAGS.flags_by_module_dict()
    for flag in by_module.get(module_name, []) + by_module.get(__name__, []):
        FLAGS.register_key_flag_for_module(sys.argv[0], flag)
