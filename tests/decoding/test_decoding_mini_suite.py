"""End to end on real mini-suite data: mm-datagen shards and vocabulary, the real MultiModel saved with
mm-trainer's CheckpointKeeper, then mm-decoder in a subprocess; and serving preprocessing (text lines,
PNG paths, WAV paths through the problems' codecs) gives exactly the input pipeline's features."""
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile
import tensorflow as tf

from t2t_mm import plugins, registry
from t2t_mm.training import run_folder

PROBLEMS = ["mini_image_classes", "mini_speech", "mini_translate_ende"]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    plugins.load_all()
    if "multimodel" not in registry.MODELS or any(p not in registry.PROBLEMS for p in PROBLEMS):
        pytest.skip("the multimodel model or the mini problems are not registered yet")
    checkpoints = pytest.importorskip("t2t_mm.training.checkpoints")
    root = tmp_path_factory.mktemp("mini_decode")
    data_dir, output_dir = str(root / "data"), str(root / "run")
    datagen = os.path.join(os.path.dirname(sys.executable), "mm-datagen")
    result = subprocess.run([datagen, f"--problem={','.join(PROBLEMS)}", f"--data_dir={data_dir}",
                             f"--tmp_dir={root / 'raw'}", "--mini_scale=0.05"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    hparams = registry.hparams("multimodel_tiny")
    run_folder.write_hparams(output_dir, hparams)
    specs = [registry.problem(p).spec(data_dir) for p in PROBLEMS]
    model = registry.model("multimodel")(hparams, specs).build_all()
    import keras
    optimizer = keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    step = tf.Variable(7, dtype=tf.int64)
    checkpoints.CheckpointKeeper(output_dir, 2, model=model, optimizer=optimizer, step=step).save(7)
    return {"data_dir": data_dir, "output_dir": output_dir, "model": model, "hparams": hparams}


def _dev_example(problem_name, data_dir, hparams):
    problem = registry.problem(problem_name)
    batch = next(iter(problem.dataset("eval", data_dir, hparams)))
    return problem, batch


def _decoder(problem, mini, overrides="beam_size=1"):
    from t2t_mm.decoding.decode_hparams import decode_hparams
    from t2t_mm.decoding.decoder import Decoder
    vocab = problem.vocab(mini["data_dir"]) if problem.uses_vocab else None
    return Decoder(mini["model"], problem, problem.spec(mini["data_dir"]), decode_hparams(overrides), 8, vocab)


def test_serving_preprocessing_equals_the_input_pipeline(mini, tmp_path):
    from t2t_mm.data import shards
    data_dir, hparams = mini["data_dir"], mini["hparams"]

    problem, batch = _dev_example("mini_translate_ende", data_dir, hparams)
    ids = [i for i in batch["inputs"][0].numpy() if i]
    line = problem.vocab(data_dir).decode(ids)
    assert _decoder(problem, mini).features([line])["inputs"].numpy()[0].tolist() == ids

    problem, batch = _dev_example("mini_speech", data_dir, hparams)
    wave = batch["inputs"][0].numpy()
    path = str(tmp_path / "dev.wav")
    soundfile.write(path, wave, problem.sample_rate, subtype="FLOAT")
    served = _decoder(problem, mini).features([path])["inputs"].numpy()[0]
    np.testing.assert_array_equal(served, wave[:len(served)])
    assert not wave[len(served):].any()                       # the rest is the pipeline's padding

    problem, batch = _dev_example("mini_image_classes", data_dir, hparams)
    record = next(iter(tf.data.TFRecordDataset(shards.complete_shards(data_dir, problem.name, "dev"))))
    parsed = tf.io.parse_single_example(record, {"image/encoded": tf.io.FixedLenFeature([], tf.string)})
    path = tmp_path / "dev.png"
    path.write_bytes(parsed["image/encoded"].numpy())
    served = _decoder(problem, mini).features([str(path)])["inputs"].numpy()[0]
    np.testing.assert_allclose(served, batch["inputs"][0].numpy(), atol=1e-6)


def test_mm_decoder_restores_the_trainer_checkpoint_and_decodes(mini, cli, tmp_path):
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    lines = ["the small dog sees a red house", "two cats"]
    source.write_text("\n".join(lines) + "\n")
    result = cli("mm-decoder", f"--output_dir={mini['output_dir']}", f"--data_dir={mini['data_dir']}",
                 "--problem=mini_translate_ende", f"--problems={','.join(PROBLEMS)}",
                 f"--decode_from_file={source}", f"--decode_to_file={target}",
                 "--decode_hparams=beam_size=2,alpha=0.6,max_length=8")
    assert result.returncode == 0, result.stderr
    assert "ckpt-7" in result.stderr
    problem = registry.problem("mini_translate_ende")
    decoder = _decoder(problem, mini, "beam_size=2,alpha=0.6")
    expected = [decoder.format_line(text) for text in decoder.decode(lines)]   # line breaks escaped
    assert target.read_text().split("\n")[:-1] == expected


def test_a_run_without_records_restores_for_the_decoded_problem_alone(mini):
    """Without --problems and without metrics.jsonl, the model is built for --problem only; the
    MultiModel's per-domain nets are named, so that subset restores from the joint checkpoint."""
    from t2t_mm.decoding import restore
    assert restore.trained_problems(mini["output_dir"], None) == []
    model, _, _ = restore.load_model(mini["output_dir"], ["mini_translate_ende"], mini["data_dir"])
    problem = registry.problem("mini_translate_ende")
    features = _decoder(problem, mini).features(["a red house"])
    ours = _decoder(problem, dict(mini, model=model)).decode_features(features)
    theirs = _decoder(problem, mini).decode_features(features)
    np.testing.assert_array_equal(ours["outputs"], theirs["outputs"])
    np.testing.assert_allclose(ours["scores"], theirs["scores"], rtol=1e-5)


def test_decode_dev_shows_input_reference_and_decode_of_each_problem(mini):
    import io
    from t2t_mm.decoding.cli_main import DecodeConfig, main
    out = io.StringIO()
    main(DecodeConfig(output_dir=mini["output_dir"], data_dir=mini["data_dir"], problem=",".join(PROBLEMS),
                      problems=",".join(PROBLEMS), decode_dev=2, decode_hparams="beam_size=1,max_length=5"),
         stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    for name in PROBLEMS:
        assert f"{name}:\n" in text
    assert text.count("  reference: ") == 6 and text.count("  decoded:   ") == 6
    problem, batch = _dev_example("mini_translate_ende", mini["data_dir"], mini["hparams"])
    vocab = problem.vocab(mini["data_dir"])
    assert f"  reference: {vocab.decode(batch['targets'][0].numpy())}\n" in text
    assert f"  input:     {vocab.decode(batch['inputs'][0].numpy())}\n" in text
    assert "  input:     audio " in text and "  input:     image " in text
