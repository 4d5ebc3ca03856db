"""Restoring mm-trainer's checkpoint layout, decoding raw inputs through the problems' codecs, and the
SavedModel export loaded with plain TensorFlow."""
import json
import os

import numpy as np
import pytest
import soundfile
import tensorflow as tf
from PIL import Image

from decoding_helpers import TEST_PROBLEMS
from t2t_mm import registry
from t2t_mm.decoding import restore
from t2t_mm.decoding.decode_hparams import decode_hparams
from t2t_mm.decoding.decoder import Decoder
from t2t_mm.decoding.export import export_saved_model
from t2t_mm.errors import HParamsError, UserError


def _decoder(model, hparams, data_dir, name, overrides="beam_size=1"):
    problem = registry.problem(name)
    spec = problem.spec(data_dir)
    vocab = problem.vocab(data_dir) if problem.uses_vocab else None
    return Decoder(model, problem, spec, decode_hparams(overrides), hparams.max_length, vocab)


def write_png(path, seed):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, [11, 13, 3], dtype=np.uint8)).save(path)
    return path


def write_flac(path, seed, rate=16000):
    rng = np.random.default_rng(seed)
    soundfile.write(path, rng.normal(0, 0.1, [rate // 2, 2]).astype(np.float32), rate, format="FLAC")
    return path


def test_restore_gives_the_trained_weights(trained, data_dir):
    model, hparams, path = restore.load_model(trained["output_dir"], TEST_PROBLEMS, data_dir,
                                              "decoding_test_model")
    assert os.path.basename(path) == "ckpt-3"
    for restored, original in zip(model.weights, trained["model"].weights):
        np.testing.assert_array_equal(restored.numpy(), original.numpy())
    assert hparams == trained["hparams"]


def test_restored_model_decodes_like_the_original(trained, data_dir):
    model, hparams, _ = restore.load_model(trained["output_dir"], TEST_PROBLEMS, data_dir,
                                           "decoding_test_model")
    lines = ["the cat sat", "hello world again", "one"]
    for overrides in ("beam_size=1", "beam_size=3,alpha=0.6"):
        ours = _decoder(model, hparams, data_dir, "decoding_test_copy", overrides).decode(lines)
        theirs = _decoder(trained["model"], hparams, data_dir, "decoding_test_copy", overrides).decode(lines)
        assert ours == theirs and len(ours) == 3 and all(isinstance(t, str) for t in ours)


def test_missing_checkpoint_names_the_trainer_command(tmp_path, data_dir):
    with pytest.raises(UserError, match=r"no checkpoint in .*mm-trainer --problems=decoding_test_copy"):
        restore.load_model(str(tmp_path), ["decoding_test_copy"], data_dir, "decoding_test_model")


def test_problem_set_mismatch_is_explained(tmp_path, data_dir):
    from decoding_helpers import build_trained_dir
    build_trained_dir(str(tmp_path), data_dir, problems=["decoding_test_copy", "decoding_test_shapes"],
                      steps=1)
    restore.load_model(str(tmp_path), ["decoding_test_copy", "decoding_test_shapes"], data_dir,
                       "decoding_test_model")
    with pytest.raises(UserError, match="--problems="):  # the speech path's variables are not there
        restore.load_model(str(tmp_path), TEST_PROBLEMS, data_dir, "decoding_test_model")


def test_trained_problems_come_from_the_run_records(tmp_path):
    assert restore.trained_problems(str(tmp_path), ["a"]) == ["a"]
    assert restore.trained_problems(str(tmp_path), None) == []
    with open(tmp_path / "metrics.jsonl", "w") as f:
        f.write(json.dumps({"step": 1, "problem": "b"}) + "\n" + json.dumps({"problem": "a"}) + "\n")
    assert restore.trained_problems(str(tmp_path), None) == ["b", "a"]
    with open(tmp_path / "problems.json", "w") as f:      # mm-trainer's record wins
        json.dump({"problems": ["c", "d"], "model": "m", "data_dir": "x"}, f)
    assert restore.trained_problems(str(tmp_path), None) == ["c", "d"]


def test_image_and_audio_paths_decode_through_the_codecs(trained, data_dir, tmp_path):
    images = [write_png(str(tmp_path / f"im{i}.png"), i) for i in range(3)]
    decoder = _decoder(trained["model"], trained["hparams"], data_dir, "decoding_test_shapes", "top_k=5")
    features = decoder.features(images)
    assert features["inputs"].shape == (3, 8, 8, 3)          # resized to the problem's image_size
    assert abs(float(tf.reduce_mean(features["inputs"]))) < 1e-3   # standardized per image
    results = decoder.decode(images)
    assert [len(r) for r in results] == [5, 5, 5]
    for result in results:
        probs = [p for _, p in result]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0 + 1e-6
    assert decoder.format_line(results[0]).count("\t") == 9

    audio = [write_flac(str(tmp_path / f"a{i}.flac"), i) for i in range(2)]
    speech = _decoder(trained["model"], trained["hparams"], data_dir, "decoding_test_speech")
    assert speech.features(audio)["inputs"].shape == (2, 4000)   # 16 kHz stereo -> 8 kHz mono
    assert all(isinstance(t, str) for t in speech.decode(audio))


def test_bad_inputs_are_user_errors(trained, data_dir, tmp_path):
    decoder = _decoder(trained["model"], trained["hparams"], data_dir, "decoding_test_shapes")
    with pytest.raises(UserError, match="image file not found"):
        decoder.decode([str(tmp_path / "missing.png")])
    (tmp_path / "not_an_image.png").write_bytes(b"GIF89a....")
    with pytest.raises(UserError, match="not_an_image"):
        decoder.decode([str(tmp_path / "not_an_image.png")])
    with pytest.raises(HParamsError, match="Did you mean: beam_size"):
        decode_hparams("beam_sise=4")
    with pytest.raises(HParamsError, match="'beam_size' expects int"):
        decode_hparams("beam_size=four")
    with pytest.raises(HParamsError, match="alpha"):
        decode_hparams("alpha=-1")


@pytest.mark.parametrize("overrides", ["beam_size=1", "beam_size=2,alpha=0.6"])
def test_saved_model_loads_with_plain_tensorflow_and_matches(trained, data_dir, tmp_path, overrides):
    model, hparams, specs = trained["model"], trained["hparams"], trained["specs"]
    path = export_saved_model(model, specs, trained["output_dir"], hparams, export_dir=str(tmp_path / "exp"),
                              decode_hparams=decode_hparams(overrides))
    loaded = tf.saved_model.load(path)
    assert set(TEST_PROBLEMS) <= set(loaded.signatures)

    text = _decoder(model, hparams, data_dir, "decoding_test_copy", overrides)
    features = text.features(["the cat sat on the mat", "hello"])
    served = loaded.signatures["decoding_test_copy"](inputs=features["inputs"])
    expected = text.decode_features(features)
    np.testing.assert_array_equal(served["outputs"].numpy(), expected["outputs"])
    np.testing.assert_allclose(served["scores"].numpy(), expected["scores"], rtol=1e-5)

    images = _decoder(model, hparams, data_dir, "decoding_test_shapes", overrides)
    features = images.features([write_png(str(tmp_path / "x.png"), 5)])
    served = loaded.signatures["decoding_test_shapes"](inputs=features["inputs"])
    expected = images.decode_features(features)
    np.testing.assert_array_equal(served["classes"].numpy(), expected["classes"])
    np.testing.assert_allclose(served["probabilities"].numpy(), expected["probabilities"], rtol=1e-5)
    with open(os.path.join(path, "t2t_mm_export.json")) as f:
        assert json.load(f)["problems"]["decoding_test_shapes"]["targets"] == "class"


def test_trainer_style_export_goes_to_output_dir_export_and_replaces_the_old_one(trained, tmp_path):
    """mm-trainer --export calls export_saved_model(model, {name: spec}, output_dir, hparams)."""
    output_dir = str(tmp_path / "run")
    specs = {"decoding_test_copy": trained["specs"]["decoding_test_copy"]}
    first = export_saved_model(trained["model"], specs, output_dir, trained["hparams"])
    assert first == os.path.join(output_dir, "export")
    again = export_saved_model(trained["model"], specs, output_dir, trained["hparams"])
    assert again == first and not os.path.exists(first + ".partial")
    loaded = tf.saved_model.load(first)
    assert {"decoding_test_copy", "serving_default"} == set(loaded.signatures)
    with open(os.path.join(first, "t2t_mm_export.json")) as f:
        info = json.load(f)
    assert info["decode_hparams"]["beam_size"] == 4 and info["max_length"] == trained["hparams"].max_length
