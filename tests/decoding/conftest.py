"""Fixtures of the decoding tests: the test --usr_dir registered in-process, a data_dir with a shared
vocabulary, and a trained-looking output_dir (hparams.json + a CheckpointManager checkpoint holding
model=, optimizer=, step= as mm-trainer writes it)."""
import pytest

from decoding_helpers import USR_DIR, build_trained_dir


@pytest.fixture(scope="session")
def usr_dir():
    from t2t_mm import plugins
    plugins.load_all(USR_DIR)
    return USR_DIR


@pytest.fixture(scope="session")
def data_dir(usr_dir, tmp_path_factory):
    from t2t_mm import registry
    from t2t_mm.data import vocab as vocab_lib
    path = str(tmp_path_factory.mktemp("decode_data"))
    lines = list(registry.problem("decoding_test_copy").vocab_lines(None)) * 20
    vocab_lib.train(path, lines, 300, ["decoding_test_copy"])
    return path


@pytest.fixture(scope="session")
def trained(data_dir, tmp_path_factory):
    output_dir = str(tmp_path_factory.mktemp("decode_run"))
    model, hparams, specs = build_trained_dir(output_dir, data_dir)
    return {"output_dir": output_dir, "model": model, "hparams": hparams, "specs": specs}
