"""mm-decoder: decode with a trained run (beam search / greedy for text, top-5 for classes), or export
it as a SavedModel with one serving signature per problem."""
from absl import flags

from t2t_mm import cli

flags.DEFINE_string("output_dir", None, "The mm-trainer run: hparams.json and its checkpoints.")
flags.DEFINE_string("problem", None, "The problem to decode (one the run was trained on); for --decode_dev "
                    "and --export_dir also a comma-separated list or a mixture.")
flags.DEFINE_string("data_dir", None, "The data_dir of training: shared vocabulary and command tokens "
                    "(default: the one the run recorded in output_dir/problems.json).")
flags.DEFINE_string("problems", "", "The run's --problems (default: what the run recorded); the model is "
                    "rebuilt for exactly these before its checkpoint is restored.")
flags.DEFINE_string("model", None, "Registered model the run trained (default: the one the run recorded, "
                    "else multimodel).")
flags.DEFINE_string("decode_hparams", "", "e.g. 'beam_size=4,alpha=0.6,max_length=64,batch_size=8,top_k=5'.")
flags.DEFINE_string("decode_from_file", None, "Inputs, one per line: text, or image/audio file paths.")
flags.DEFINE_string("decode_to_file", None, "Where to write one output per input line (default: stdout).")
flags.DEFINE_bool("decode_interactive", False, "Read inputs from stdin and print each decode.")
flags.DEFINE_integer("decode_dev", 0, "Show input, reference and decode of the first N dev examples of "
                     "each --problem (from --data_dir).")
flags.DEFINE_string("export_dir", None, "Write a SavedModel here (a serving signature per problem).")
FLAGS = flags.FLAGS


def main(argv):
    from t2t_mm.decoding import cli_main  # heavy (TensorFlow): only after flags and plugins
    return cli_main.main(cli_main.config_from_flags(FLAGS))


def run():
    cli.start(main)


if __name__ == "__main__":
    run()
