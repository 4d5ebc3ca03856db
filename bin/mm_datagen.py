"""mm-datagen: raw samples of problems -> data_dir/<problem>-<split>-NNNNN-of-NNNNN TFRecord shards,
the shared sentencepiece vocabulary and the command-token table."""
from absl import flags

from t2t_mm import cli

flags.DEFINE_string("problem", None, "Comma-separated problem names, or a mixture name (e.g. mini_suite).")
flags.DEFINE_string("data_dir", None, "Where the shards, the vocabulary and target_spaces.json go.")
flags.DEFINE_string("tmp_dir", None, "Raw data (read by real problems; scratch space otherwise).")
flags.DEFINE_integer("num_shards", None, "Shards of the train split (default: each problem's own).")
flags.DEFINE_integer("vocab_size", None, "Subwords of the shared vocabulary when it is built (default 8000); "
                     "an existing vocabulary is reused, and a different explicit size is refused.")
flags.DEFINE_float("mini_scale", None, "Multiplies the example counts of the generated mini problems "
                   "(0.1 for a quick try, 10 for more data).")
flags.DEFINE_enum("source", "raw", ["raw", "tfds"], "Real problems: read the raw corpus files in --tmp_dir "
                  "(raw) or the TFDS builder where one exists (tfds). See docs/DATA.md.")
FLAGS = flags.FLAGS


def main(argv):
    from t2t_mm.errors import UserError
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {' '.join(argv[1:])}; flags are written --name=value")
    if not FLAGS.problem:
        raise UserError("--problem is required: mm-datagen --problem=NAME[,NAME...] --data_dir=D --tmp_dir=T "
                        "(mm-datagen --registry_help lists problems and mixtures)")
    from t2t_mm.data import datagen  # imports TensorFlow lazily, after flag checks
    datagen.generate(FLAGS.problem, FLAGS.data_dir, FLAGS.tmp_dir, num_shards=FLAGS.num_shards,
                     vocab_size=FLAGS.vocab_size, size_scale=FLAGS.mini_scale, source=FLAGS.source)
    print(f"done: data in {FLAGS.data_dir}")
    return 0


def run():
    cli.start(main)


if __name__ == "__main__":
    run()
