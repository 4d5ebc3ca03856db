"""Rebuilding a trained model from mm-trainer's output_dir: hparams.json, then the model built for the
run's problems (every problem's path called once so its variables exist), then the latest
CheckpointManager checkpoint (model=, optimizer=, step=; only the model is read)."""
import json
import os

import tensorflow as tf

from t2t_mm import registry
from t2t_mm.decoding.features import dummy_features
from t2t_mm.errors import UserError
from t2t_mm.hparams import HParams

PROBLEMS_FILE = "problems.json"     # optional: the run's problems, if the trainer records them
METRICS_FILE = "metrics.jsonl"


def latest_checkpoint(output_dir, problem_name="<problem>"):
    path = tf.train.latest_checkpoint(output_dir) if os.path.isdir(output_dir) else None
    if not path:
        raise UserError(f"no checkpoint in {output_dir}: train there first, e.g. mm-trainer "
                        f"--problems={problem_name} --data_dir=<data_dir> --output_dir={output_dir}")
    return path


def trained_problems(output_dir, requested):
    """Names of the problems the run trained (the model must be built for the same set to restore):
    the explicit list if given, else what the run recorded (problems.json, metrics.jsonl)."""
    if requested:
        return list(requested)
    recorded = os.path.join(output_dir, PROBLEMS_FILE)
    if os.path.exists(recorded):
        with open(recorded) as f:
            data = json.load(f)
        return list(data["problems"] if isinstance(data, dict) else data)
    names = []
    metrics = os.path.join(output_dir, METRICS_FILE)
    if os.path.exists(metrics):
        with open(metrics) as f:
            for line in f:
                try:
                    name = json.loads(line).get("problem")
                except ValueError:
                    continue
                if name and name not in names:
                    names.append(name)
    return names


def load_model(output_dir, problem_names, data_dir, model_name="multimodel"):
    """(model, hparams, checkpoint path) with the newest weights of output_dir."""
    path = latest_checkpoint(output_dir, ",".join(problem_names))
    hparams = HParams.load(output_dir)
    problems = {name: registry.problem(name) for name in sorted(set(problem_names))}
    specs = {name: p.spec(data_dir) for name, p in problems.items()}
    model = registry.model(model_name)(hparams, list(specs.values()))
    if hasattr(model, "build_all"):   # the model knows best which dummy batch builds each path
        model.build_all()
    else:
        for name, problem in problems.items():
            model(dummy_features(problem, specs[name], hparams), problem=name, training=False)
    status = tf.train.Checkpoint(model=model).restore(path)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as exc:
        raise UserError(
            f"{path} does not fit the model built for {', '.join(problems)} (model {model_name}, hparams "
            f"from {output_dir}/hparams.json): pass --problems=<the --problems the run was trained with> "
            f"and the same --model. Details: {str(exc).splitlines()[0][:300]}") from exc
    status.expect_partial()  # the optimizer slots and the step counter are not needed to decode
    return model, hparams, path
