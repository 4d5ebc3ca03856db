"""What the three command-line programs share: plugin loading, --registry_help, user-facing errors."""
import sys

from absl import app, flags

from t2t_mm import plugins, registry
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


def start(main):
    """Runs main(argv) under absl after loading plugins; UserErrors become one-paragraph errors."""

    def wrapped(argv):
        try:
            plugins.load_all(FLAGS.usr_dir)
            if FLAGS.registry_help:
                print(registry.help_text())
                return 0
            return main(argv)
        except UserError as exc:
            fail(exc)

    app.run(wrapped)
