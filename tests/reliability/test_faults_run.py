"""Fault injection on the run and decode side (issue 11): each test builds the fault (a NaN update, a
missing or truncated checkpoint, a refused resume, another data_dir, a second trainer, bad decoder inputs,
out-of-range hparams), runs the code a user runs, and asserts the safe outcome or the one-line error
that docs/RELIABILITY.md promises. Tiny fake problems and models: seconds each."""
import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "training"), os.path.join(HERE, "..", "decoding")]

import tensorflow as tf  # noqa: E402

from decoding_helpers import USR_DIR, build_trained_dir  # noqa: E402
from training_helpers import FAKES, fake_config  # noqa: E402
from t2t_mm import plugins, registry  # noqa: E402
from t2t_mm.errors import HParamsError, UserError  # noqa: E402
from t2t_mm.training import run_folder, trainer  # noqa: E402

plugins.load_all(FAKES)
plugins.load_all(USR_DIR)


@registry.register_problem("fault_text_vocab")
class FaultTextVocab(registry.problem("fake_text_copy").__class__):
    """fake_text_copy that declares a shared vocabulary: the run records data_dir's fingerprint."""
    uses_vocab = True


def _config(out, **overrides):
    return fake_config(out, **dict(dict(eval_steps=0), **overrides))   # no eval: these tests are about files


def _train(out, **overrides):
    run = trainer.Trainer(_config(out, **overrides))
    run.run()
    return run


def _ckpts(out):
    return sorted(int(n[5:-6]) for n in os.listdir(out) if n.startswith("ckpt-") and n.endswith(".index"))


def _inject_after_step(run, at_step, value):
    """The update of step at_step writes `value` into a weight (the loss of that step, computed before
    the update, stays finite): the exploding update of issue 11.2."""
    real = run.steps.train

    def train(name):
        fn = real(name)

        def step(iterator, step_number):
            outputs = fn(iterator, step_number)
            if int(step_number) == at_step:
                kernel = run.model.body.kernel
                kernel.assign(tf.fill(kernel.shape, value))
            return outputs
        return step
    run.steps.train = train


# --- 2. the NaN guard checks the updated state before any save ------------------------------------------
@pytest.mark.parametrize("value", [float("nan"), 3e38])
def test_an_exploding_update_is_never_saved_and_the_message_names_a_good_checkpoint(tmp_path, value):
    out = tmp_path / "run"
    run = trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=10, save_every=2))
    _inject_after_step(run, 4, value)
    with pytest.raises(trainer.NonFiniteLossError) as err:
        run.run()
    assert _ckpts(out) == [2]                              # ckpt-4 would hold the bad weights
    assert "at step 4" in str(err.value) and "ckpt-2 is kept" in str(err.value)
    reader = tf.train.load_checkpoint(str(out / "ckpt-2"))
    for name in reader.get_variable_to_shape_map():
        value_saved = reader.get_tensor(name)
        if np.issubdtype(np.asarray(value_saved).dtype, np.floating):
            assert np.all(np.abs(value_saved) < 1e6), name


@pytest.mark.parametrize("rate", ["1e30", "1e9"])
def test_a_huge_learning_rate_never_leaves_a_bad_checkpoint(tmp_path, rate):
    """No injection: a one-off learning rate blows the update up while the loss the step reports (computed
    before the update) is still finite; the weights become NaN (1e30) or finite but exploded (1e9: ~1e9,
    whose gradients are inf). With a save after every step the old guard saved that state and called it
    good; resuming from it at a sane rate NaNed again."""
    out = tmp_path / "run"
    _train(out, problems="fake_text_copy", train_steps=4, save_every=2)
    blowup = _config(out, problems="fake_text_copy", train_steps=10, save_every=1,
                     hparams="hidden_size=16,learning_rate_warmup_steps=1,learning_rate=" + rate)
    with pytest.raises(trainer.NonFiniteLossError) as err:
        trainer.Trainer(blowup).run()
    assert _ckpts(out) == [2, 4] and "ckpt-4 is kept" in str(err.value)
    resumed = _train(out, problems="fake_text_copy", train_steps=8, save_every=2)   # the sane rate again
    assert int(resumed.step.numpy()) == 8 and _ckpts(out) == [2, 4, 6, 8]


# --- 3. a missing or damaged newest checkpoint: fall back, say so, lose nothing -------------------------
def _three_checkpoints(out):
    _train(out, problems="fake_text_copy", train_steps=6, save_every=2, keep_checkpoint_max=3)
    assert _ckpts(out) == [2, 4, 6]


def test_missing_newest_checkpoint_falls_back_and_keeps_the_older_ones(tmp_path, capsys):
    out = tmp_path / "run"
    _three_checkpoints(out)
    for name in run_folder.checkpoint_files(str(out / "ckpt-6")):
        os.remove(name)
    kept = (out / "ckpt-2.index").read_bytes(), (out / "ckpt-4.index").read_bytes()
    capsys.readouterr()
    run = trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=6, save_every=2,
                                      keep_checkpoint_max=3))
    said = capsys.readouterr().out
    assert int(run.step.numpy()) == 4                       # not a silent restart at step 0
    assert "ckpt-6 skipped: its files are missing" in said and "fell back to" in said and "ckpt-4" in said
    run.run()
    assert _ckpts(out) == [2, 4, 6]                          # nothing rotated away for the restart
    assert ((out / "ckpt-2.index").read_bytes(), (out / "ckpt-4.index").read_bytes()) == kept


def test_missing_checkpoint_state_file_resumes_from_the_files_on_disk(tmp_path):
    out = tmp_path / "run"
    _three_checkpoints(out)
    os.remove(out / "checkpoint")
    run = trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=6))
    assert int(run.step.numpy()) == 6


def test_truncated_newest_data_file_is_named_and_set_aside(tmp_path, capsys):
    out = tmp_path / "run"
    _three_checkpoints(out)
    data = next(n for n in run_folder.checkpoint_files(str(out / "ckpt-6")) if ".data-" in n)
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 3)
    capsys.readouterr()
    run = trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=6))
    said = capsys.readouterr().out
    assert int(run.step.numpy()) == 4
    assert "ckpt-6 skipped: it is damaged" in said and "damaged/" in said
    assert os.path.exists(out / "damaged" / os.path.basename(data))    # kept for inspection, not deleted


def test_rotation_after_a_fallback_keeps_keep_max_real_checkpoints(tmp_path):
    out = tmp_path / "run"
    _three_checkpoints(out)
    data = next(n for n in run_folder.checkpoint_files(str(out / "ckpt-6")) if ".data-" in n)
    with open(data, "r+b") as f:
        f.truncate(16)
    _train(out, problems="fake_text_copy", train_steps=5, save_every=1, keep_checkpoint_max=3)
    assert _ckpts(out) == [2, 4, 5]        # the damaged ckpt-6 made no room: three real ones are kept
    _train(out, problems="fake_text_copy", train_steps=6, save_every=1, keep_checkpoint_max=3)
    assert _ckpts(out) == [4, 5, 6]        # and ordinary rotation goes on


def test_no_restorable_checkpoint_is_an_error_not_a_restart(tmp_path):
    out = tmp_path / "run"
    _three_checkpoints(out)
    for step in (2, 4, 6):
        data = next(n for n in run_folder.checkpoint_files(str(out / f"ckpt-{step}")) if ".data-" in n)
        with open(data, "r+b") as f:
            f.truncate(8)
    with pytest.raises(UserError, match="no checkpoint in .* restores .*ckpt-6: it is damaged"):
        trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=8))


def test_decoder_falls_back_to_an_older_checkpoint(tmp_path, decode_data):
    from t2t_mm.decoding import restore
    out = str(tmp_path / "run")
    os.makedirs(out)
    build_trained_dir(out, decode_data, problems=["decoding_test_copy"], steps=1)
    with open(os.path.join(out, "checkpoint"), "w") as f:   # the newest, ckpt-9, has gone
        f.write('model_checkpoint_path: "ckpt-9"\nall_model_checkpoint_paths: "ckpt-1"\n'
                'all_model_checkpoint_paths: "ckpt-9"\n')
    notes = []
    _, _, path = restore.load_model(out, ["decoding_test_copy"], decode_data, "decoding_test_model",
                                    note=notes.append)
    assert path.endswith("ckpt-1") and any("ckpt-9 skipped" in n for n in notes)


# --- 4. a refused resume leaves the run untouched; one-off overrides do not stick -------------------------
def _snapshot(out):
    return sorted(os.listdir(out)), {n: (out / n).read_bytes() for n in ("hparams.json", "problems.json",
                                                                          "data.json", "checkpoint")}


def test_refused_resume_leaves_the_run_as_it_was(tmp_path):
    out = tmp_path / "run"
    _train(out, problems="fake_text_copy", train_steps=2)
    before = _snapshot(out)
    tiny = fake_config(out).hparams
    refused = [dict(hparams=tiny + ",hidden_size=32"),                    # does not fit the checkpoint
               dict(problems="fake_text_copy,fake_text_copy_8k"),           # neither does an 8k vocabulary
               dict(problems="fake_image_class"),                           # drops the run's problem
               dict(hparams=tiny + ",dropout=2.5")]                         # out of range
    for change in refused:
        with pytest.raises(UserError):
            trainer.Trainer(_config(out, **dict(dict(problems="fake_text_copy", train_steps=4), **change)))
        assert _snapshot(out) == before, change
    _train(out, problems="fake_text_copy", train_steps=4)                   # the original command still works


def test_one_off_override_applies_to_its_invocation_only(tmp_path, capsys):
    out = tmp_path / "run"
    tiny = fake_config(out).hparams
    _train(out, problems="fake_text_copy", train_steps=2)
    capsys.readouterr()
    run = _train(out, problems="fake_text_copy", train_steps=4, hparams=tiny + ",learning_rate=0.01")
    assert run.hparams.learning_rate == 0.01
    assert "for this invocation only: learning_rate=0.01 (run: 0.5)" in capsys.readouterr().out
    assert json.loads((out / "hparams.json").read_text())["values"]["learning_rate"] == 0.5
    runs = run_folder.read_runs(str(out))
    assert [r["start_step"] for r in runs] == [0, 2]
    assert runs[1]["hparams_changes"] == {"learning_rate": [0.5, 0.01]}
    again = trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=6))
    assert again.hparams.learning_rate == 0.5


# --- 5. the run is tied to its vocabulary and command tokens -------------------------------------------
def _vocab_data_dir(path, content):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, run_folder.VOCAB_MODEL), "wb") as f:
        f.write(content)
    return str(path)


def test_resume_with_another_vocabulary_is_refused_naming_both(tmp_path):
    out = tmp_path / "run"
    first = _vocab_data_dir(tmp_path / "data_a", b"vocabulary A")
    other = _vocab_data_dir(tmp_path / "data_b", b"vocabulary B")
    _train(out, problems="fault_text_vocab", train_steps=2, data_dir=first)
    recorded = json.loads((out / "data.json").read_text())
    assert recorded["vocab_fingerprint"] == run_folder.vocab_fingerprint(first)
    assert recorded["command_tokens"] == {"fault_text_vocab": 0}
    with pytest.raises(UserError) as err:
        trainer.Trainer(_config(out, problems="fault_text_vocab", train_steps=4, data_dir=other))
    message = str(err.value)
    assert other in message and first in message
    assert run_folder.vocab_fingerprint(other) in message and run_folder.vocab_fingerprint(first) in message
    shutil.copy(os.path.join(first, run_folder.VOCAB_MODEL), other)     # a copy of the run's data is fine
    trainer.Trainer(_config(out, problems="fault_text_vocab", train_steps=4, data_dir=other)).release()


def test_decoder_refuses_a_data_dir_with_another_vocabulary(tmp_path, decode_data, decode_run):
    from t2t_mm.data import vocab as vocab_lib
    from t2t_mm.decoding.cli_main import DecodeConfig, main
    other = str(tmp_path / "other_data")
    lines = [f"word{i} other{i * 7} text{i % 13}" for i in range(400)]
    vocab_lib.train(other, lines, 300, ["decoding_test_copy"])
    shutil.copy(os.path.join(decode_data, "target_spaces.json"), other)
    source = tmp_path / "in.txt"
    source.write_text("hello\n")
    with pytest.raises(UserError, match=f"--data_dir={other} does not match the run .*--data_dir={decode_data}"
                                        ".*vocabulary"):
        main(DecodeConfig(output_dir=decode_run, problem="decoding_test_copy", data_dir=other,
                          problems="decoding_test_copy", model="decoding_test_model",
                          decode_from_file=str(source)), stdout=io.StringIO(), stderr=io.StringIO())


# --- 6. one output line per input line ------------------------------------------------------------------
class _Vocab:
    size = 64

    def decode(self, ids):
        return "one\ntwo\rthree\u2028four"


def test_a_decoded_line_break_never_splits_an_output_line():
    from t2t_mm.decoding.decoder import Decoder
    from t2t_mm.decoding.decode_hparams import decode_hparams
    problem = registry.problem("decoding_test_copy")
    spec = type("Spec", (), {"name": "decoding_test_copy", "text_targets": True})()
    decoder = Decoder(None, problem, spec, decode_hparams("beam_size=1"), 8, _Vocab())
    line = decoder.format_line(decoder.detokenize(np.array([5, 6, 1])))
    assert line.splitlines() == [line] and line == "one\\ntwo\\rthree\\u2028four"
    assert decoder.format_block("a\nb").splitlines() == ["a\\nb"]


def test_input_lines_split_on_newline_only(tmp_path):
    from t2t_mm.decoding.cli_main import read_inputs
    source = tmp_path / "in.txt"
    source.write_bytes(b"abc\rdef\nghi\xe2\x80\xa8jkl\r\nlast")
    entries = read_inputs(str(source), registry.problem("decoding_test_copy"))
    assert [item for item, _ in entries] == ["abc\rdef", "ghi\u2028jkl", "last"]


def test_random_lines_in_give_as_many_lines_out(tmp_path, decode_data, decode_run):
    """The issue's probe: random lines (stray \\r, \\x0b, \\x85, U+2028, tabs, emoji) in, `wc -l` out."""
    rng = np.random.default_rng(11)
    alphabet = list("abc XYZ\t\r\x0b\x0c\x1c\x85\u2028\u2029äß€😀,.()") + ["hello", "world", "the "]
    lines = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 12)))) for _ in range(120)]
    source = tmp_path / "random.txt"
    source.write_bytes("".join(line.replace("\n", "") + "\n" for line in lines).encode("utf-8"))
    target = tmp_path / "decoded.txt"
    status, _, err = _decode(decode_run, decode_data, "decoding_test_copy", source, decode_to_file=str(target),
                             decode_hparams="beam_size=2,batch_size=16")
    assert status == 0, err
    assert target.read_bytes().count(b"\n") == source.read_bytes().count(b"\n") == 120
    assert len(target.read_text(encoding="utf-8").splitlines()) == 120


# --- 10. decoder inputs: one bad input is reported and skipped, the others decoded --------------------------
def _png(path, size=8):
    from PIL import Image
    Image.fromarray(np.full([size, size, 3], 128, np.uint8)).save(path, format="PNG")
    return str(path)


def _bomb_png(path):
    """A small file that claims 30000x30000 pixels (a decompression bomb's header)."""  # noqa: D401
    import struct
    import zlib
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
                + chunk(b"IEND", b""))
    return str(path)


def _decode(decode_run, decode_data, problem, source, **extra):
    from t2t_mm.decoding.cli_main import DecodeConfig, main
    out, err = io.StringIO(), io.StringIO()
    config = DecodeConfig(output_dir=decode_run, problem=problem, data_dir=decode_data,
                          problems="decoding_test_copy,decoding_test_shapes,decoding_test_speech",
                          model="decoding_test_model", decode_from_file=str(source),
                          **dict(dict(decode_hparams="beam_size=1"), **extra))
    status = main(config, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_bad_image_files_are_reported_and_skipped(tmp_path, decode_data, decode_run):
    good = _png(tmp_path / "good.png")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(open(_png(tmp_path / "big.png", 64), "rb").read()[:120])
    jpeg = tmp_path / "truncated.jpg"
    from PIL import Image
    Image.fromarray(np.random.default_rng(0).integers(0, 255, [64, 64, 3], dtype=np.uint8)).save(jpeg, "JPEG")
    jpeg.write_bytes(jpeg.read_bytes()[:300])
    bomb = _bomb_png(tmp_path / "bomb.png")
    source = tmp_path / "images.txt"
    source.write_text("\n".join([good, str(truncated), str(jpeg), bomb, good]) + "\n")
    status, out, err = _decode(decode_run, decode_data, "decoding_test_shapes", source,
                               decode_hparams="beam_size=1,batch_size=2")   # bad inputs across batches
    lines = out.split("\n")[:-1]
    assert status == 1 and len(lines) == 5
    assert lines[0] and lines[4] and lines[0] == lines[4] and lines[1:4] == ["", "", ""]
    errors = [l for l in err.splitlines() if l.startswith("error: ")]
    assert len(errors) == 3 and "truncated.png" in errors[0] and "truncated.jpg" in errors[1]
    assert "bomb.png" in errors[2] and "too large" in errors[2] and "Traceback" not in err


def test_empty_wav_and_invalid_utf8_lines_are_reported_and_skipped(tmp_path, decode_data, decode_run):
    import soundfile
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    header_only = tmp_path / "silent.wav"
    soundfile.write(str(header_only), np.zeros([0], np.float32), 16000)
    good = tmp_path / "good.wav"
    soundfile.write(str(good), np.sin(np.arange(4000) / 5.0).astype(np.float32), 16000)
    source = tmp_path / "audio.txt"
    source.write_text(f"{empty}\n{header_only}\n{good}\n")
    status, out, err = _decode(decode_run, decode_data, "decoding_test_speech", source)
    assert status == 1 and out.split("\n")[:3][:2] == ["", ""] and out.split("\n")[2]
    assert err.count("error: ") == 2 and "no samples" in err

    text = tmp_path / "text.txt"
    text.write_bytes(b"hello world\n\xff\xfe broken\nthe cat\n")
    status, out, err = _decode(decode_run, decode_data, "decoding_test_copy", text)
    lines = out.split("\n")[:-1]
    assert status == 1 and len(lines) == 3 and lines[1] == "" and "text.txt:2: not valid UTF-8" in err


def test_interactive_session_survives_bad_lines(decode_data, decode_run, tmp_path):
    from t2t_mm.decoding.cli_main import DecodeConfig, main
    stdin = io.TextIOWrapper(io.BytesIO(f"hello\n\xff\xfe\n{tmp_path}/nope.png\nthe cat\n".encode("latin-1")))
    out, err = io.StringIO(), io.StringIO()
    main(DecodeConfig(output_dir=decode_run, problem="decoding_test_copy", data_dir=decode_data,
                      problems="decoding_test_copy,decoding_test_shapes,decoding_test_speech",
                      model="decoding_test_model", decode_interactive=True, decode_hparams="beam_size=1"),
         stdin=stdin, stdout=out, stderr=err)
    assert len(out.getvalue().splitlines()) == 3 and "input line 2: not valid UTF-8" in err.getvalue()


def test_decode_to_file_that_is_a_folder_is_refused_before_decoding(tmp_path, decode_data, decode_run):
    source = tmp_path / "in.txt"
    source.write_text("hello\n")
    with pytest.raises(UserError, match="--decode_to_file=.* is a folder"):
        _decode(decode_run, decode_data, "decoding_test_copy", source, decode_to_file=str(tmp_path))


# --- 10. trainer folders ----------------------------------------------------------------------------------
def test_output_dir_or_data_dir_that_is_a_file_is_one_line(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="--output_dir=.* is a file, not a folder"):
        trainer.Trainer(_config(a_file))
    with pytest.raises(UserError, match="--data_dir=.* is a file, not a folder"):
        trainer.Trainer(_config(tmp_path / "run", data_dir=str(a_file)))
    with pytest.raises(UserError, match="--output_dir=/proc/.* is not writable"):
        trainer.Trainer(_config("/proc/t2t_mm_run"))


def test_disk_full_while_saving_is_one_line(tmp_path, monkeypatch):
    from t2t_mm.training import checkpoints
    run = trainer.Trainer(_config(tmp_path / "run", problems="fake_text_copy", train_steps=2))

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "run" / "ckpt-2.index"))
    monkeypatch.setattr(checkpoints.CheckpointKeeper, "save", full)
    with pytest.raises(UserError, match="the disk is full.*run the same command again to resume"):
        run.run()


def test_disk_full_while_writing_the_run_files_is_one_line(tmp_path, monkeypatch):
    def full(output_dir, entry):
        raise OSError(28, "No space left on device", os.path.join(output_dir, run_folder.RUNS_FILE))
    monkeypatch.setattr(run_folder, "append_run", full)
    with pytest.raises(UserError, match="the disk is full: .*runs.jsonl .*run the same command again"):
        trainer.main_from_flags(_Flags(dataclasses.asdict(_config(tmp_path / "run", problems="fake_text_copy",
                                                                  train_steps=2))))


class _Flags(dict):
    """absl's FLAGS as main_from_flags reads them: `name in flags` and flags.name."""
    __getattr__ = dict.__getitem__


def test_tensorflow_disk_full_while_saving_is_one_line(tmp_path, monkeypatch):
    run = trainer.Trainer(_config(tmp_path / "run", problems="fake_text_copy", train_steps=2))

    def full(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "ckpt-2.data-00000-of-00001; No space left on device")
    monkeypatch.setattr(run.keeper.manager, "save", full)
    with pytest.raises(UserError, match="saving .*ckpt-2 failed.*No space left on device"):
        run.run()


# --- 10. hparams out of range: key, value and the allowed range ----------------------------------------------
@pytest.mark.parametrize("override,allowed", [
    ("hidden_size=-32", "int, >= 1"), ("dropout=2.5", r"float, in \[0.0, 1.0\)"), ("num_heads=0", "int, >= 1"),
    ("max_length=0", "int, >= 1"), ("batch_size=0", "int, >= 1"), ("label_smoothing=1.5", r"float, in \[0.0, 1.0\)")])
def test_out_of_range_hparams_name_key_value_and_range(override, allowed):
    from t2t_mm.hparams_lib import create_hparams
    plugins.load_all()
    key, value = override.split("=")
    with pytest.raises(HParamsError, match=f"{key}={value} is out of range: {key} must be {allowed}"):
        create_hparams("multimodel_tiny", override)


def test_keys_without_a_declared_range_take_any_value():
    from t2t_mm.hparams import HParams, Range
    from t2t_mm.hparams_lib import RANGES
    hp = HParams(brand_new_key=-5, hidden_size=8).declare_ranges(RANGES)
    hp.parse("brand_new_key=-100")
    hp.add_hparam("plugin_rate", 0.5, valid=Range(0.0, 1.0))
    with pytest.raises(HParamsError, match=r"plugin_rate=2.0 is out of range"):
        hp.plugin_rate = 2.0


# --- 7. one trainer per run folder ----------------------------------------------------------------------------
def _lock_holder(out):
    """Another process holding the run folder's lock (it says 'locked' once it has it)."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from t2t_mm.training.run_folder import RunLock; "
         "RunLock(sys.argv[1]).acquire(); print('locked', flush=True); time.sleep(120)", str(out)],
        stdout=subprocess.PIPE, text=True)


def test_a_second_trainer_on_the_same_output_dir_stops_naming_the_first(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    holder = _lock_holder(out)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match=f"in use by another mm-trainer \\(pid {holder.pid}\\)"):
            trainer.Trainer(_config(out, problems="fake_text_copy", train_steps=2))
        assert not (out / "hparams.json").exists()
    finally:
        holder.kill()
        holder.wait()
    _train(out, problems="fake_text_copy", train_steps=2)     # the killed holder's lock does not block
    assert (out / ".lock").exists() and _ckpts(out) == [2]


# --- fixtures: a data_dir with a shared vocabulary and a decodable run (tests/decoding's helpers) -------------
@pytest.fixture(scope="module")
def decode_data(tmp_path_factory):
    from t2t_mm.data import vocab as vocab_lib
    path = str(tmp_path_factory.mktemp("fault_decode_data"))
    vocab_lib.train(path, list(registry.problem("decoding_test_copy").vocab_lines(None)) * 20, 300,
                    ["decoding_test_copy"])
    return path


@pytest.fixture(scope="module")
def decode_run(decode_data, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("fault_decode_run"))
    problems = ["decoding_test_copy", "decoding_test_shapes", "decoding_test_speech"]
    build_trained_dir(out, decode_data, problems=problems, steps=1)
    specs = {n: registry.problem(n).spec(decode_data) for n in problems}
    run_folder.write_data(out, run_folder.data_record(decode_data, {n: registry.problem(n) for n in problems},
                                                      specs))
    return out


def test_mm_trainer_cli_says_the_folder_is_in_use_in_one_line(tmp_path):
    from cli_runner import run_cli
    out = tmp_path / "run"
    out.mkdir()
    holder = _lock_holder(out)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = run_cli("mm-trainer", f"--usr_dir={FAKES}", "--model=fake_multimodel", "--problems=fake_text_copy",
                         f"--data_dir={out}_data", f"--output_dir={out}", "--train_steps=2", "--eval_steps=0",
                         "--distribution=one_device", timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"in use by another mm-trainer (pid {holder.pid})" in errors[0]
