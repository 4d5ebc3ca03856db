"""The Problem API as a plugin author uses it (USER_EXPERIENCE.md), and the mistakes they can make."""
import pytest

from t2t_mm import registry
from t2t_mm.data import (AudioToTextProblem, ImageToClassProblem, ImageToTextProblem, Problem,
                         TextToTextProblem, datagen, register_reversed)
from t2t_mm.errors import UserError

QUIET = dict(log=lambda *_: None)


class TranslateEnglishToPirate(TextToTextProblem):
    """English -> pirate speak, from a tab-separated file."""
    target_space = "pirate"
    splits = {"train": 2, "dev": 1}

    def generate_samples(self, tmp_dir, split):
        with open(f"{tmp_dir}/pirate-{split}.tsv") as f:
            for line in f:
                english, pirate = line.rstrip("\n").split("\t")
                yield {"inputs": english, "targets": pirate}


@pytest.fixture
def pirate(tmp_path):
    registry.register_problem(TranslateEnglishToPirate)
    register_reversed(TranslateEnglishToPirate, "english")
    raw = tmp_path / "raw"
    raw.mkdir()
    pairs = [("hello friend", "ahoy matey"), ("yes", "aye"), ("my money", "me doubloons")]
    for split in ("train", "dev"):
        (raw / f"pirate-{split}.tsv").write_text("".join(f"{e}\t{p}\n" for e, p in pairs * 4))
    yield str(tmp_path / "data"), str(raw)
    registry.PROBLEMS.unregister("translate_english_to_pirate")
    registry.PROBLEMS.unregister("translate_english_to_pirate_rev")


def test_exports_and_task_shapes():
    assert issubclass(TextToTextProblem, Problem)
    assert (ImageToClassProblem.input_modality, ImageToClassProblem.target_modality) == ("image", "class_label")
    assert (ImageToTextProblem.input_modality, ImageToTextProblem.target_modality) == ("image", "symbol")
    assert AudioToTextProblem.input_modality in ("audio_spectral", "audio_waveform")


def test_plugin_problem_and_its_one_line_reverse(pirate, hparams):
    data_dir, raw = pirate
    datagen.generate("translate_english_to_pirate,translate_english_to_pirate_rev", data_dir, raw,
                     vocab_size=300, **QUIET)
    forward = registry.problem("translate_english_to_pirate")
    backward = registry.problem("translate_english_to_pirate_rev")
    assert forward.spec(data_dir).target_space_id != backward.spec(data_dir).target_space_id
    vocab = forward.vocab(data_dir)
    for problem, source, target in ((forward, "hello friend", "ahoy matey"), (backward, "ahoy matey", "hello friend")):
        pairs = {(vocab.decode(i), vocab.decode(t)) for b in problem.dataset("eval", data_dir, hparams)
                 for i, t in zip(b["inputs"].numpy(), b["targets"].numpy())}
        assert (source, target) in pairs and len(pairs) == 3


def test_missing_raw_file_names_problem_and_tmp_dir(pirate, tmp_path):
    data_dir, _ = pirate
    with pytest.raises(UserError, match=r"translate_english_to_pirate could not read its raw train data: .*"
                                        r"pirate-train.tsv.*--tmp_dir="):
        datagen.generate("translate_english_to_pirate", data_dir, str(tmp_path / "elsewhere"), **QUIET)


def test_bad_sample_keys_are_explained(tmp_path):
    class WrongKeys(TextToTextProblem):
        target_space = "english"
        splits = {"train": 1}

        def generate_samples(self, tmp_dir, split):
            yield {"source": "a", "target": "b"}

    registry.register_problem("test_wrong_keys")(WrongKeys)
    try:

        with pytest.raises(UserError, match=r"test_wrong_keys.*yielded a sample without 'inputs'.*\{inputs, targets\}"):
            datagen.write_split(WrongKeys(), "train", 1, str(tmp_path), str(tmp_path), _FakeVocab(), **QUIET)
        assert not list(tmp_path.iterdir())   # nothing left behind
    finally:
        registry.PROBLEMS.unregister("test_wrong_keys")


class _FakeVocab:
    fingerprint = "fake"

    def encode(self, text):
        return [3] * len(text)


def test_declaration_mistakes_are_named():
    class NoSpace(TextToTextProblem):
        pass

    class NoSize(ImageToClassProblem):
        num_classes = 3

    class NoClasses(ImageToClassProblem):
        image_size = 8

    with pytest.raises(UserError, match="has no target_space"):
        NoSpace().check_declarations()
    with pytest.raises(UserError, match="no image_size"):
        NoSize().check_declarations()
    with pytest.raises(UserError, match="num_classes = 0"):
        NoClasses().check_declarations()


def test_image_bytes_and_arrays_and_bad_images(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    from t2t_mm.data.codecs import encode_image
    array = np.zeros((5, 7, 3), np.uint8)
    png, fmt, shape = encode_image(array)
    assert fmt == "png" and shape == (5, 7, 3)
    jpeg = io.BytesIO()
    Image.fromarray(array).save(jpeg, format="JPEG")
    assert encode_image(jpeg.getvalue())[1:] == ("jpeg", (5, 7, 3))
    with pytest.raises(ValueError, match="uint8"):
        encode_image(np.zeros((5, 7), np.float32))


def test_audio_is_resampled_to_the_problem_rate():
    import numpy as np

    from t2t_mm.data.codecs import resample
    audio = np.sin(np.linspace(0, 10, 8000)).astype(np.float32)
    out = resample(audio, 8000, 16000)
    assert out.dtype == np.float32 and len(out) == 16000
    np.testing.assert_allclose(out[::2], audio, atol=1e-6)
