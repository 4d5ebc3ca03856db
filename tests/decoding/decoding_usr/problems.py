"""Tiny problems for the decoding tests (never generated to shards: only their vocabulary and
target-space table are needed to decode)."""
from t2t_mm import registry
from t2t_mm.data import AudioToTextProblem, ImageToClassProblem, TextToTextProblem
from t2t_mm.hparams import HParams

SENTENCES = ["the cat sat on the mat", "a dog barked at the postman", "hello world again",
             "green ideas sleep furiously", "one two three four five six"]


@registry.register_problem
class DecodingTestCopy(TextToTextProblem):
    target_space = "english"

    def generate_samples(self, tmp_dir, split):
        for s in SENTENCES:
            yield {"inputs": s, "targets": s}


@registry.register_problem
class DecodingTestShapes(ImageToClassProblem):
    image_size = 8
    num_classes = 7

    def generate_samples(self, tmp_dir, split):
        return iter(())


@registry.register_problem
class DecodingTestSpeech(AudioToTextProblem):
    sample_rate = 8000

    def generate_samples(self, tmp_dir, split):
        return iter(())


@registry.register_hparams
def decoding_test_hparams():
    return HParams(max_length=7, max_target_spaces=8, audio_samples_per_token=160, learning_rate=0.01,
                   seed=3)
