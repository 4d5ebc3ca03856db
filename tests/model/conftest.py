"""Tiny MultiModel configurations for the model tests (hidden 16, few blocks, 4 experts)."""
import pytest

from t2t_mm import plugins, registry
import t2t_mm.models  # noqa: F401  (registers the model and the modalities)
from t2t_mm.spec import ProblemSpec

INPUTS = ["symbol", "image", "audio_waveform", "audio_spectral"]
TARGETS = ["symbol", "class_label"]
VOCAB, CLASSES = 23, 5


def tiny_hparams(overrides=""):
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


@pytest.fixture(scope="module")
def hparams():
    return tiny_hparams()
