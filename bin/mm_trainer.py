"""mm-trainer: joint training of one model on several problems (or a mixture)."""
from absl import flags

from t2t_mm import cli

flags.DEFINE_string("problems", None, "Comma-separated problem names, or a mixture name.")
flags.DEFINE_string("hparams_set", "multimodel_tiny", "Registered hparams set.")
flags.DEFINE_string("hparams", "", "Overrides, e.g. 'moe_num_experts=16,moe_k=2'.")
flags.DEFINE_string("data_dir", None, "Where mm-datagen wrote the TFRecords and the vocabulary.")
flags.DEFINE_string("output_dir", None, "Checkpoints, hparams.json, metrics.jsonl and TensorBoard logs.")
flags.DEFINE_integer("train_steps", 1000, "Total training steps (a resumed run continues up to this).")
FLAGS = flags.FLAGS


def main(argv):
    from t2t_mm.training import trainer  # heavy (TensorFlow): only after flags and registry checks
    return trainer.main_from_flags(FLAGS)


def run():
    cli.start(main)


if __name__ == "__main__":
    run()
