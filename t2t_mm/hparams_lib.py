"""Making hparams: the plain base set that model sets extend, the allowed ranges of the well-known keys,
and a run's hparams (create_hparams). The container itself, HParams, is t2t_mm.hparams.

    from t2t_mm.hparams_lib import basic_params

    @registry.register_hparams
    def my_model_base():
        hp = basic_params()              # batch_size, max_length, learning_rate, seed, ...
        hp.add_hparam("my_width", 64)    # the model's own keys
        return hp
"""
from t2t_mm import registry
from t2t_mm.errors import HParamsError
from t2t_mm.hparams import HParams, Range
from t2t_mm.training import run_folder



class Choice:
    """Allowed values of a string hparam (duck-typed like hparams.Range: contains() and str())."""

    def __init__(self, *values):
        self.values = tuple(values)

    def contains(self, value):
        return isinstance(value, str) and value in self.values

    def __str__(self):
        return "one of " + ", ".join(self.values)


PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")   # Keras dtype policies the trainer sets
LEARNING_RATE_DECAYS = ("rsqrt", "none")                      # t2t_mm.training.schedule
_POSITIVE, _NON_NEGATIVE = Range(1), Range(0)
_FRACTION = Range(0.0, 1.0, high_open=True)            # rates and probabilities: 1.0 would drop everything
# The allowed ranges of the data, training and model keys that the registered sets share (hparams/,
# installed as t2t_mm.hparams_sets). A set without one of these keys is unaffected; keys not listed here
# take any value of their type.
RANGES = {
    "batch_size": _POSITIVE, "max_length": _POSITIVE, "min_bucket_length": _POSITIVE,
    "bucket_step": Range(1.0, low_open=True), "shuffle_buffer": _NON_NEGATIVE,
    "audio_samples_per_token": _POSITIVE,
    "hidden_size": _POSITIVE, "num_heads": _POSITIVE, "conv_kernel_sizes": _POSITIVE, "conv_dilations": _POSITIVE,
    "encoder_blocks": _POSITIVE, "mixer_blocks": _NON_NEGATIVE, "decoder_blocks": _POSITIVE,
    "dropout": _FRACTION, "moe_num_experts": _POSITIVE, "moe_k": _POSITIVE, "moe_hidden_size": _POSITIVE,
    "moe_capacity_factor": Range(0.0, low_open=True), "moe_eval_capacity_factor": Range(0.0, low_open=True),
    "moe_loss_coef": _NON_NEGATIVE, "max_target_spaces": _POSITIVE, "image_filters": _POSITIVE,
    "class_exit_filters": _POSITIVE, "audio_blocks": _NON_NEGATIVE, "audio_sample_rate": _POSITIVE,
    "audio_frame_length": _POSITIVE, "audio_frame_step": _POSITIVE, "audio_mel_bins": _POSITIVE,
    "learning_rate": Range(0.0, low_open=True), "learning_rate_warmup_steps": _NON_NEGATIVE,
    "text_first_steps": _NON_NEGATIVE,
    "adam_beta1": _FRACTION, "adam_beta2": _FRACTION, "adam_epsilon": Range(0.0, low_open=True),
    "clip_grad_norm": _NON_NEGATIVE, "label_smoothing": _FRACTION, "precision": Choice(*PRECISIONS),
    "learning_rate_decay": Choice(*LEARNING_RATE_DECAYS), "modality_norm": Choice("map", "position"),
    "audio_spectrogram": Choice("log_mel", "log_magnitude"),
}




def basic_params():
    """The keys the library itself reads, whatever the model: data/batching (t2t_mm.data's input
    pipeline), the optimizer and schedule (t2t_mm.training), and hidden_size (the schedule scales the
    learning rate by it). Values are multimodel_base's; model sets extend this with add_hparam."""
    return HParams(
        # --- data / batching (t2t_mm.data) ---
        batch_size=4096,              # tokens per batch (examples per batch = batch_size // bucket length)
        max_length=256,               # longer examples are dropped from training batches
        min_bucket_length=8,          # length buckets: min_bucket_length * bucket_step**i up to max_length
        bucket_step=2.0,
        shuffle_buffer=4096,
        audio_samples_per_token=640,  # audio counts ceil(samples / this) tokens for buckets and max_length
                                      # (640 = 40 ms at 16 kHz: max_length 256 -> 10.24 s of audio)
        # --- the model width the learning-rate schedule reads ---
        hidden_size=512,              # ours: the paper gives no width; 512 as T2T's base models
        # --- training (t2t_mm.training) ---
        learning_rate=0.1,            # T2T's multimodel_base value; t2t_mm.training.schedule scales it
                                      # as T2T's noam schedule did (peak 7e-4 at hidden 512, warmup 4000)
        learning_rate_warmup_steps=4000,
        learning_rate_decay="rsqrt",  # after the warmup: "rsqrt" (noam, T2T's) or "none" (stay at the peak)
        adam_beta1=0.85,
        adam_beta2=0.997,
        adam_epsilon=1e-6,
        clip_grad_norm=1.0,
        label_smoothing=0.1,
        precision="float32",          # the Keras dtype policy of the model: float32, mixed_bfloat16 or
                                      # mixed_float16 (dynamic loss scaling); mm-trainer --precision
        text_first_steps=0,           # ours: the first N steps draw only the mixture's text-input problems
                                      # (translation, parsing), so the shared decoder learns to read a
                                      # source where that is quickest before captions and speech join
                                      # (docs/MODEL_DECISIONS.md §12); 0 mixes from the first step
        seed=1234,
    )


def create_hparams(set_name, overrides="", output_dir=None):
    """The run's hparams: output_dir/hparams.json when a run is resumed there, else the registered set;
    then the overrides. A resumed run with a different set name is refused (its checkpoints would not fit).
    The ranges of RANGES are declared first, so an out-of-range value names the key and the range."""
    if output_dir and run_folder.has_hparams(output_dir):
        hp = run_folder.read_hparams(output_dir)
        if set_name and set_name != hp.set_name:
            raise HParamsError(
                f"{output_dir} was trained with --hparams_set={hp.set_name}, not {set_name}: "
                "use another --output_dir, or the same set to resume")
    else:
        hp = registry.hparams(set_name)
    return hp.declare_ranges(RANGES).parse(overrides)
