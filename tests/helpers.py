"""Helpers shared by the test folders (imported as `helpers`: tests/ is on pytest's pythonpath). One
definition each, so no folder's conftest shadows another's.

    tiny_model_hparams("dropout=0.1")        a MultiModel small enough for unit tests (hidden 16, 4 experts)
    batching_hparams(max_length=64)          multimodel_tiny with small batches, for the input pipeline
    pair_spec("image", "class_label")        a ProblemSpec of one input/target modality pair
"""
import os

from t2t_mm import plugins, registry
from t2t_mm.spec import ProblemSpec

# --- model tests ------------------------------------------------------------------------------------------
INPUTS = ["symbol", "image", "audio_waveform", "audio_spectral"]
TARGETS = ["symbol", "class_label"]
VOCAB, CLASSES = 23, 5


def tiny_model_hparams(overrides=""):
    """multimodel_tiny shrunk further (hidden 16, few blocks, 4 experts), then the --hparams-style overrides."""
    plugins.load_all()
    hp = registry.hparams("multimodel_tiny")
    hp.parse("hidden_size=16,num_heads=2,encoder_blocks=2,mixer_blocks=1,decoder_blocks=2,"
             "moe_num_experts=4,moe_k=2,moe_hidden_size=16,image_filters=[4,8],"
             "class_exit_filters=[8,8,16],audio_blocks=3,audio_mel_bins=8,dropout=0.0")
    return hp.parse(overrides)


def pair_spec(inputs, targets, space=1):
    return ProblemSpec(f"{inputs}_to_{targets}", inputs, targets, space,
                       vocab_size=VOCAB, num_classes=CLASSES if targets == "class_label" else 0)


def all_pair_specs():
    return [pair_spec(i, t, space=n) for n, (i, t) in enumerate((i, t) for i in INPUTS for t in TARGETS)]


# --- data tests -------------------------------------------------------------------------------------------
MINI_SCALE = 0.01   # translation: 40 train / 2 dev examples; parsing 4 / 1; speech 20 / 1


def batching_hparams(**overrides):
    """multimodel_tiny with small batches and buffers; keyword overrides set keys."""
    plugins.load_all()
    hp = registry.hparams("multimodel_tiny")
    hp.batch_size = 256
    hp.max_length = 128
    hp.shuffle_buffer = 64
    for key, value in overrides.items():
        setattr(hp, key, value)
    return hp


def shard_files(data_dir, prefix):
    return sorted(f for f in os.listdir(data_dir) if f.startswith(prefix + "-"))
