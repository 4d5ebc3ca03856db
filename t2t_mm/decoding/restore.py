"""Rebuilding a trained model from mm-trainer's output_dir: hparams.json, then the model built for the
run's problems (every problem's path called once so its variables exist), then the newest
CheckpointManager checkpoint that restores (model=, optimizer=, step=; only the model is read): a missing
or damaged newest checkpoint is reported and an older one used, as mm-trainer does."""
import os
import sys

import tensorflow as tf

from t2t_mm import registry
from t2t_mm.decoding.features import dummy_features
from t2t_mm.training import checkpoints, run_folder


def latest_checkpoint(output_dir, problem_name="<problem>"):
    """The newest checkpoint listed or on disk (whether it restores is found out by load_model)."""
    found = run_folder.checkpoint_candidates(output_dir) if os.path.isdir(output_dir) else []
    if not found:
        raise run_folder.no_checkpoint_error(output_dir, problem_name)
    return found[0][1]


def trained_problems(output_dir, requested):
    """Names of the problems the run trained (the model must be built for the same set to restore):
    the explicit list if given, else what the run recorded (run_folder.trained_problems)."""
    if requested:
        return list(requested)
    return run_folder.trained_problems(output_dir)


def load_model(output_dir, problem_names, data_dir, model_name="multimodel", note=None):
    """(model, hparams, checkpoint path) with the newest weights of output_dir that restore; note(text)
    reports checkpoints skipped on the way (default: stderr)."""
    latest_checkpoint(output_dir, ",".join(problem_names))
    hparams = run_folder.read_hparams(output_dir)
    problems = {name: registry.problem(name) for name in sorted(set(problem_names))}
    specs = {name: p.spec(data_dir) for name, p in problems.items()}
    model = registry.model(model_name)(hparams, list(specs.values()))
    for name, problem in problems.items():   # every problem's path once, so every variable exists
        model(dummy_features(problem, specs[name], hparams), problem=name, training=False)
    note = note or (lambda text: print(text, file=sys.stderr))
    what = (f"the model built for {', '.join(problems)} (model {model_name}, hparams from "
            f"{output_dir}/{run_folder.HPARAMS_FILE})")
    # partial: the optimizer slots and the step counter are not needed to decode
    path = checkpoints.restore_newest(tf.train.Checkpoint(model=model), output_dir, note, partial=True,
                                      what=what, program="mm-decoder")
    if path is None:
        raise run_folder.no_checkpoint_error(output_dir, ",".join(problem_names))
    return model, hparams, path
