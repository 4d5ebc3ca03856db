"""mm-trainer: joint training of one model on several problems (or a mixture)."""
from absl import flags

from t2t_mm import cli

flags.DEFINE_string("problems", None, "Comma-separated problem names, or a mixture name.")
flags.DEFINE_string("model", "multimodel", "Registered model.")
flags.DEFINE_string("hparams_set", "multimodel_tiny", "Registered hparams set.")
flags.DEFINE_string("hparams", "", "Overrides, e.g. 'moe_num_experts=16,moe_k=2'.")
flags.DEFINE_string("data_dir", None, "Where mm-datagen wrote the TFRecords and the vocabulary.")
flags.DEFINE_string("output_dir", None, "Checkpoints, hparams.json, metrics.jsonl and TensorBoard logs.")
flags.DEFINE_integer("train_steps", 1000, "Total training steps (a resumed run continues up to this).")
flags.DEFINE_integer("eval_steps", -1, "Dev batches per problem and eval (-1: the whole dev split; 0: no eval).")
flags.DEFINE_integer("eval_every", 1000, "Evaluate every N steps (and always at the end); 0: only at the end.")
flags.DEFINE_integer("save_every", 1000, "Checkpoint every N steps (and always at the end).")
flags.DEFINE_integer("keep_checkpoint_max", 5, "How many recent checkpoints to keep.")
flags.DEFINE_integer("log_every", 100, "Print a progress line every N steps.")
flags.DEFINE_integer("decode_examples", -1, "Dev examples greedily decoded per eval for BLEU/WER/F1 "
                     "(-1: every evaluated example).")
flags.DEFINE_enum("mixing", "uniform", ["uniform", "proportional", "temperature"],
                  "How problems are sampled: uniform (mixture weights), proportional to size, or "
                  "size**(1/T) (--mixing_temperature).")
flags.DEFINE_float("mixing_temperature", 2.0, "T of --mixing=temperature (1 = proportional).")
flags.DEFINE_enum("distribution", "auto", ["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy; multi_worker reads TF_CONFIG.")
flags.DEFINE_string("tpu", None, "TPU name or grpc:// address for --distribution=tpu (or auto).")
flags.DEFINE_bool("jit_compile", False, "Compile each problem's forward/backward pass with XLA.")
flags.DEFINE_enum("precision", None, ["float32", "mixed_bfloat16", "mixed_float16"],
                  "Keras dtype policy of the model; overrides the hparams' precision (default: the set's, "
                  "float32). mixed_float16 trains with dynamic loss scaling.")
flags.DEFINE_integer("intra_op_threads", 0, "Threads one op may split over (0: TensorFlow's default, one "
                     "per core). 1 suits small models on few cores: ops too small to split run side by side "
                     "instead (the main job: 20-45% less time per step on 2 cores).")
flags.DEFINE_bool("export", False, "After training, write a SavedModel with one serving signature per "
                  "problem to <output_dir>/export (mm-decoder --export_dir does the same later).")
FLAGS = flags.FLAGS


def main(argv):
    from t2t_mm.training import trainer  # heavy (TensorFlow): only after flags and registry checks
    cli.exit_without_teardown(trainer.main_from_flags(FLAGS))   # checkpoint, metrics, summaries: written


def run():
    cli.start(main)


if __name__ == "__main__":
    run()
