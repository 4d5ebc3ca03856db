"""Helpers of the experiment tests: the tests' --usr_dir and running mm-experiment as a user does."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
USR = os.path.join(HERE, "experiments_usr")


def mm_experiment(*args, ok=True, timeout=600):
    from cli_runner import run_cli
    result = run_cli("mm-experiment", f"--usr_dir={USR}", *args, timeout=timeout)
    if ok:
        assert result.returncode == 0, f"mm-experiment failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_evals(folder, records, problems_weights=None, seed=1234, train_steps=None):
    """A run folder as the trainer and mm-experiment leave it, without training: metrics.jsonl records,
    problems.json, hparams.json, and done.json when train_steps is given."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "metrics.jsonl"), "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    weights = problems_weights or {records[0]["problem"]: 1.0}
    with open(os.path.join(folder, "problems.json"), "w") as f:
        json.dump({"problems": sorted(weights), "weights": weights}, f)
    with open(os.path.join(folder, "hparams.json"), "w") as f:
        json.dump({"set_name": "multimodel_tiny", "values": {"seed": seed}}, f)
    if train_steps is not None:
        with open(os.path.join(folder, "done.json"), "w") as f:
            json.dump({"train_steps": train_steps}, f)
