"""The command-line programs' shared behaviour: --registry_help, plugins, user-facing errors."""
import textwrap


def test_registry_help_lists_every_kind(cli):
    result = cli("mm-trainer", "--registry_help")
    assert result.returncode == 0, result.stderr
    for heading in ("problems (", "modalities (", "models (", "hparams sets (", "mixtures ("):
        assert heading in result.stdout
    assert "  multimodel_tiny" in result.stdout


def test_registry_help_includes_usr_dir_plugins(cli, tmp_path):
    (tmp_path / "my_sets.py").write_text(textwrap.dedent("""
        from t2t_mm import registry
        from t2t_mm.hparams_sets.multimodel import multimodel_tiny

        @registry.register_hparams
        def pirate_tiny():
            return multimodel_tiny()
    """))
    result = cli("mm-trainer", f"--usr_dir={tmp_path}", "--registry_help")
    assert result.returncode == 0, result.stderr
    assert "  pirate_tiny" in result.stdout


def test_broken_usr_dir_is_a_one_paragraph_error(cli, tmp_path):
    (tmp_path / "oops.py").write_text("def broken(:\n")
    result = cli("mm-trainer", f"--usr_dir={tmp_path}", "--registry_help")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: --usr_dir: {tmp_path / 'oops.py'} failed to import: ")
    assert "SyntaxError" in result.stderr
    assert "Traceback" not in result.stderr
