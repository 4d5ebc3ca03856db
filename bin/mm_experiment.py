"""mm-experiment: runs a registered experiment (the paper's Tables 2-4, or a plugin's): each run an ordinary
mm-trainer run in its own folder under --output_dir, then report.md with the tables, the paper's numbers
beside ours, the direction of each comparison, and plots. A rerun skips finished runs and resumes the rest."""
from absl import flags

from t2t_mm import cli

flags.DEFINE_string("experiment", None, "Registered experiment (paper_table2, paper_table3, paper_table4, "
                    "paper_tables, or a plugin's; --registry_help lists them).")
flags.DEFINE_string("output_dir", None, "One folder per run (<run>/seed<N>) and the report (report.md, "
                    "results.json, tables/, plots/).")
flags.DEFINE_string("data_dir", None, "Where mm-datagen wrote (or writes, see --datagen) the data.")
flags.DEFINE_string("tmp_dir", None, "mm-datagen's --tmp_dir for missing data (raw corpora of real problems; "
                    "scratch for generated ones; default <output_dir>/tmp).")
flags.DEFINE_string("scale", None, "The experiment's scale: mini (the mini suite, multimodel_tiny; the "
                    "default of the paper's experiments) or paper (the real corpora, multimodel_base and "
                    "multimodel_base_joint).")
flags.DEFINE_integer("steps_per_problem", None, "Steps each run trains on each of its problems (a joint run "
                     "of n problems trains n times this); default: the experiment's.")
flags.DEFINE_integer("train_steps", None, "Smoke runs: every run trains exactly this many steps in all, "
                     "whatever its number of problems (overrides --steps_per_problem).")
flags.DEFINE_list("seeds", None, "Seeds (comma-separated) for every run; several give mean and spread.")
flags.DEFINE_string("hparams", "", "Extra overrides for every run, after the run's own "
                    "(e.g. 'batch_size=512').")
flags.DEFINE_list("runs", None, "Only these runs of the experiment (comma-separated names).")
flags.DEFINE_integer("eval_steps", None, "Dev batches per problem and eval (default: the experiment's).")
flags.DEFINE_integer("decode_examples", None, "Dev examples decoded per eval for BLEU, WER and the full-tree "
                     "rate (default: the experiment's).")
flags.DEFINE_integer("evals_per_run", None, "Evals during each run (plus the final one): the plotted "
                     "curves (default: the experiment's).")
flags.DEFINE_integer("log_every", 100, "mm-trainer's progress line every N steps.")
flags.DEFINE_enum("distribution", "auto", ["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy of every run (mm-trainer --distribution).")
flags.DEFINE_integer("intra_op_threads", 0, "mm-trainer --intra_op_threads of every run (0: TensorFlow's "
                     "default; 1: the mini runs' steps take 20-45% less time on 2 cores).")
flags.DEFINE_bool("datagen", True, "Generate missing data first (one mm-datagen call for all missing "
                  "problems; real ones read --tmp_dir).")
flags.DEFINE_float("mini_scale", None, "mm-datagen --mini_scale for generated mini problems (tests: 0.02).")
flags.DEFINE_bool("dry_run", False, "Print the plan (runs, steps, state of each folder) and exit.")
flags.DEFINE_bool("report_only", False, "Train nothing: write the report from the runs as they are.")
FLAGS = flags.FLAGS


def main(argv):
    from t2t_mm.errors import UserError
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {' '.join(argv[1:])}; flags are written --name=value")
    from t2t_mm.experiments import execute
    options = execute.Options(
        experiment=FLAGS.experiment, output_dir=FLAGS.output_dir, data_dir=FLAGS.data_dir,
        tmp_dir=FLAGS.tmp_dir, scale=FLAGS.scale, steps_per_problem=FLAGS.steps_per_problem,
        train_steps=FLAGS.train_steps, seeds=tuple(_seed(s) for s in FLAGS.seeds) if FLAGS.seeds else None,
        hparams=FLAGS.hparams, runs=tuple(FLAGS.runs) if FLAGS.runs else None, eval_steps=FLAGS.eval_steps,
        decode_examples=FLAGS.decode_examples, evals_per_run=FLAGS.evals_per_run, log_every=FLAGS.log_every,
        distribution=FLAGS.distribution, intra_op_threads=FLAGS.intra_op_threads, datagen=FLAGS.datagen,
        mini_scale=FLAGS.mini_scale, dry_run=FLAGS.dry_run, report_only=FLAGS.report_only, usr_dir=FLAGS.usr_dir)
    try:
        return execute.run(options)
    except KeyboardInterrupt:
        return 130


def _seed(text):
    from t2t_mm.errors import UserError
    try:
        return int(text)
    except ValueError:
        raise UserError(f"--seeds={','.join(FLAGS.seeds)}: '{text}' is not an integer") from None


def run():
    cli.start(main)


if __name__ == "__main__":
    run()
