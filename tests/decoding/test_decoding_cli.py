"""mm-decoder through its console script, on a checkpoint written with mm-trainer's layout (a tiny keras
model; the real MultiModel's text decode through the CLI is in test_decoding_mini_suite.py)."""
import os

import numpy as np
import pytest
import tensorflow as tf

from decoding_helpers import TEST_PROBLEMS, USR_DIR
from t2t_mm import registry
from t2t_mm.decoding.decode_hparams import decode_hparams
from t2t_mm.decoding.decoder import Decoder
from test_decoding_restore_export import write_png


def _args(trained, data_dir, problem, *extra):
    return ["--usr_dir", USR_DIR, "--model=decoding_test_model", f"--output_dir={trained['output_dir']}",
            f"--data_dir={data_dir}", f"--problem={problem}", f"--problems={','.join(TEST_PROBLEMS)}", *extra]


def _in_process(trained, data_dir, problem_name, items, overrides):
    problem = registry.problem(problem_name)
    vocab = problem.vocab(data_dir) if problem.uses_vocab else None
    decoder = Decoder(trained["model"], problem, problem.spec(data_dir), decode_hparams(overrides),
                      trained["hparams"].max_length, vocab)
    return [decoder.format_line(r) for r in decoder.decode(items)]


def test_image_paths_give_top5_and_export_loads_in_plain_tensorflow(cli, trained, data_dir, tmp_path):
    images = [os.path.basename(write_png(str(tmp_path / f"img{i}.png"), i)) for i in range(2)]
    source = tmp_path / "images.txt"
    source.write_text("\n".join(images) + "\n")          # relative to the input file
    export_dir = tmp_path / "exported"
    result = cli("mm-decoder", *_args(trained, data_dir, "decoding_test_shapes",
                                      f"--decode_from_file={source}", f"--export_dir={export_dir}",
                                      "--decode_hparams=beam_size=1"), cwd=str(tmp_path.parent))
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip().split("\n")
    assert out == _in_process(trained, data_dir, "decoding_test_shapes",
                              [str(tmp_path / i) for i in images], "beam_size=1")
    fields = out[0].split("\t")
    assert len(fields) == 10 and all(0 <= int(c) < 7 for c in fields[::2])

    loaded = tf.saved_model.load(str(export_dir))
    assert set(TEST_PROBLEMS) <= set(loaded.signatures)
    ids = tf.constant([[5, 6, 7, 1]], tf.int32)
    served = loaded.signatures["decoding_test_copy"](inputs=ids)
    assert served["outputs"].shape == (1, trained["hparams"].max_length)
    assert np.isfinite(served["scores"].numpy()).all()


def test_interactive_session(cli, trained, data_dir, tmp_path):
    exe = os.path.join(os.path.dirname(os.sys.executable), "mm-decoder")
    import subprocess
    # no --model, --data_dir or --problems: the run's problems.json supplies them
    result = subprocess.run([exe, "--usr_dir", USR_DIR, f"--output_dir={trained['output_dir']}",
                             "--problem=decoding_test_copy", "--decode_interactive", "--decode_hparams=beam_size=1"],
                            input="hello world\n\nthe cat\n", capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == _in_process(trained, data_dir, "decoding_test_copy",
                                                        ["hello world", "the cat"], "beam_size=1")


def test_user_mistakes_get_one_paragraph_errors(cli, trained, data_dir, tmp_path):
    empty = tmp_path / "empty_run"
    empty.mkdir()
    source = tmp_path / "in.txt"
    source.write_text("hello\n")
    result = cli("mm-decoder", "--usr_dir", USR_DIR, f"--output_dir={empty}", f"--data_dir={data_dir}",
                 "--problem=decoding_test_copy", f"--decode_from_file={source}")
    assert result.returncode == 2
    # (the test --usr_dir imports TensorFlow, whose start-up log lines may come first)
    assert f"\nerror: no checkpoint in {empty}: train there first, e.g. mm-trainer --problems=decoding_test_copy" \
        in "\n" + result.stderr
    assert "Traceback" not in result.stderr



def test_flag_mistakes_are_user_errors_before_any_model_is_built(trained, data_dir, tmp_path):
    from t2t_mm.decoding.cli_main import DecodeConfig, main
    from t2t_mm.errors import HParamsError, RegistryError, UserError
    source = tmp_path / "in.txt"
    source.write_text("hello\n")
    base = dict(output_dir=trained["output_dir"], data_dir=data_dir, problem="decoding_test_copy",
                model="decoding_test_model", decode_from_file=str(source))
    with pytest.raises(HParamsError, match="has no 'beam_sise'.*Did you mean: beam_size"):
        main(DecodeConfig(**base, decode_hparams="beam_sise=4"))
    with pytest.raises(UserError, match="one problem at a time"):
        main(DecodeConfig(**dict(base, problem="decoding_test_copy,decoding_test_shapes")))
    with pytest.raises(UserError, match="nothing to do"):
        main(DecodeConfig(**dict(base, decode_from_file=None)))
    with pytest.raises(UserError, match="no such file"):
        main(DecodeConfig(**dict(base, decode_from_file=str(tmp_path / "nope.txt"))))
    with pytest.raises(RegistryError, match="Did you mean: decoding_test_copy"):
        main(DecodeConfig(**dict(base, problem="decoding_test_cop")))
    with pytest.raises(UserError, match="trained on decoding_test_copy, decoding_test_shapes, not"):
        main(DecodeConfig(**dict(base, problem="decoding_test_speech",
                                 problems="decoding_test_copy,decoding_test_shapes")))
    with pytest.raises(UserError, match=r"images.txt:1: image file not found: nope.png"):
        (tmp_path / "images.txt").write_text("nope.png\n")
        main(DecodeConfig(**dict(base, problem="decoding_test_shapes",
                                 decode_from_file=str(tmp_path / "images.txt"))))
    with pytest.raises(UserError, match="has no target_spaces.json"):
        main(DecodeConfig(**dict(base, data_dir=str(tmp_path))))
    with pytest.raises(UserError, match="empty line where an image path"):
        images = tmp_path / "images.txt"
        images.write_text("\n")
        main(DecodeConfig(**dict(base, problem="decoding_test_shapes", decode_from_file=str(images))))


def test_help_lists_the_decoder_flags(cli):
    result = cli("mm-decoder", "--help")
    for flag in ("--decode_hparams", "--decode_from_file", "--export_dir", "--decode_dev", "--usr_dir"):
        assert flag in result.stdout
