"""Running an experiment's plan: each run (per seed) is an ordinary mm-trainer process in its own folder
<output_dir>/<run>/seed<N>, so it checkpoints and resumes exactly as mm-trainer does, frees its memory
(and accelerators) when it ends, and a crash of one run does not take the others down.

A folder holds run.json (what the run is: problems, hparams set, overrides, seed) from its first start and
done.json once the trainer exited cleanly at its train_steps. A rerun skips folders with done.json and
restarts the others, which resume from their last checkpoint; a folder whose run.json says it is some
other run is refused rather than mixed up."""
import contextlib
import json
import os
import subprocess
import sys
import time

from t2t_mm import atomic
from t2t_mm.errors import UserError
from t2t_mm.experiments import results
from t2t_mm.training import run_folder

RUN_FILE = "run.json"
DONE_FILE = "done.json"
FAILED_FILE = "failed.json"
LOG_FILE = "train.log"


class RunFailed(Exception):
    pass


LOCK_FILE = ".mm-experiment.lock"


@contextlib.contextmanager
def hold(output_dir):
    """One mm-experiment per --output_dir at a time (two would train the same run into one folder). A
    flock: the kernel drops it when the process dies, however it dies, so a killed run blocks nothing."""
    try:
        import fcntl
    except ImportError:  # no flock here: not guarded
        yield
        return
    fd = os.open(os.path.join(output_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.read(fd, 32).decode("ascii", "replace").strip()
            raise UserError(f"another mm-experiment (pid {owner or '?'}) is running in --output_dir={output_dir}; "
                            "wait for it (or stop it), then run this again") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def status(output_dir, item):
    """'finished', 'failed' (its last attempt), 'partial' (started, not done), or 'new'; a rerun trains
    all but the finished ones (resuming from their checkpoints)."""
    folder = os.path.join(output_dir, item.folder)
    done = results.read_json(os.path.join(folder, DONE_FILE))
    if done and int(done.get("train_steps", -1)) >= item.train_steps:
        return "finished"
    if os.path.exists(os.path.join(folder, FAILED_FILE)):
        return "failed"
    if os.path.exists(os.path.join(folder, RUN_FILE)) or os.path.exists(os.path.join(folder, run_folder.CHECKPOINT_STATE)):
        return "partial"
    return "new"


def check_folder(output_dir, item):
    """Refuses a folder that holds another run (other problems, hparams or seed): its checkpoints would not
    fit, and its numbers would land in the wrong table cell."""
    folder = os.path.join(output_dir, item.folder)
    recorded = results.read_json(os.path.join(folder, RUN_FILE))
    if recorded is None:
        return
    wanted = item.identity()
    differs = {k: (recorded.get("identity", {}).get(k), v) for k, v in wanted.items()
               if recorded.get("identity", {}).get(k) != v}
    if differs:
        detail = "; ".join(f"{k}: was {old!r}, now {new!r}" for k, (old, new) in differs.items())
        raise UserError(f"{folder} already holds a different run ({detail}), so it cannot be resumed as "
                        f"'{item.key}'. Use another --output_dir, or delete that folder to retrain it.")


def trainer_command(item, output_dir, data_dir, settings):
    """The mm-trainer invocation of one planned run (the installed program's module, this interpreter)."""
    folder = os.path.join(output_dir, item.folder)
    evals = max(int(settings["evals_per_run"]), 1)
    saves = max(int(settings["checkpoints_per_run"]), 1)
    eval_every = max(item.train_steps // evals, 1) if item.train_steps >= evals else 0
    save_every = max(item.train_steps // saves, 1)
    command = [sys.executable, "-m", "t2t_mm.bin.mm_trainer",
               f"--problems={item.run.problems}", f"--model={item.run.model}",
               f"--hparams_set={item.run.hparams_set}", f"--hparams={item.hparams}",
               f"--data_dir={data_dir}", f"--output_dir={folder}", f"--train_steps={item.train_steps}",
               f"--eval_steps={settings['eval_steps']}", f"--eval_every={eval_every}",
               f"--save_every={save_every}", f"--log_every={settings['log_every']}",
               f"--decode_examples={settings['decode_examples']}", "--mixing=uniform",
               f"--distribution={settings.get('distribution', 'auto')}",
               f"--intra_op_threads={settings.get('intra_op_threads', 0)}"]
    if settings.get("usr_dir"):
        command.append(f"--usr_dir={settings['usr_dir']}")
    return command


def _stream(command, log_path, echo):
    """Runs command, copying its merged stdout/stderr line by line to the log file (and the terminal);
    returns (exit code, last lines)."""
    tail = []
    with open(log_path, "a") as log:
        log.write(f"\n# {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   bufsize=1, env=dict(os.environ, PYTHONUNBUFFERED="1"))  # lines as they come
        try:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if echo:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                tail = (tail + [line.rstrip("\n")])[-30:]
            return process.wait(), tail
        except KeyboardInterrupt:  # the child got the same SIGINT; let it stop, then pass it on
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            raise


def train(item, output_dir, data_dir, settings, echo=True):
    """Trains one planned run to its train_steps (resuming from its checkpoint when there is one) and
    writes done.json; raises RunFailed with the trainer's last lines when it exits non-zero."""
    folder = os.path.join(output_dir, item.folder)
    os.makedirs(folder, exist_ok=True)
    check_folder(output_dir, item)
    if not os.path.exists(os.path.join(folder, RUN_FILE)):
        atomic.write_text(os.path.join(folder, RUN_FILE), json.dumps(
            {"run": item.run.name, "label": item.run.label, "identity": item.identity(),
             "started": time.time()}, indent=1, sort_keys=True))
    command = trainer_command(item, output_dir, data_dir, settings)
    began = time.time()
    code, tail = _stream(command, os.path.join(folder, LOG_FILE), echo)
    if code != 0:
        message = (f"mm-trainer exited with {code}:\n" + "\n".join(_last_words(tail)) +
                   f"\n(full log: {os.path.join(folder, LOG_FILE)})")
        atomic.write_text(os.path.join(folder, FAILED_FILE), json.dumps(
            {"code": code, "message": message, "time": time.time()}, indent=1))
        raise RunFailed(message)
    if os.path.exists(os.path.join(folder, FAILED_FILE)):
        os.remove(os.path.join(folder, FAILED_FILE))
    atomic.write_text(os.path.join(folder, DONE_FILE), json.dumps(
        {"train_steps": item.train_steps, "finished": time.time(), "seconds": round(time.time() - began, 1)},
        indent=1, sort_keys=True))


def missing_data(problems, data_dir):
    """The problems whose data (any split's complete shard set) is not in data_dir yet."""
    from t2t_mm import registry
    from t2t_mm.data import shards
    from t2t_mm.data.data_errors import MissingDataError
    missing = []
    for name in problems:
        problem = registry.problem(name)
        if not problem.stored:  # an in-memory plugin problem: nothing for mm-datagen to make
            continue
        for split in problem.splits:
            try:
                shards.complete_shards(data_dir, name, split)
            except MissingDataError:
                missing.append(name)
                break
    return missing


def datagen(problems, data_dir, tmp_dir, mini_scale=None, usr_dir=None, echo=True):
    """mm-datagen for the given problems, all in one call (the shared vocabulary is built from all their
    text at once); mm-datagen's re-runs redo only missing shards."""
    command = [sys.executable, "-m", "t2t_mm.bin.mm_datagen", f"--problem={','.join(problems)}",
               f"--data_dir={data_dir}", f"--tmp_dir={tmp_dir}"]
    if mini_scale is not None:
        command.append(f"--mini_scale={mini_scale}")
    if usr_dir:
        command.append(f"--usr_dir={usr_dir}")
    os.makedirs(data_dir, exist_ok=True)
    code, tail = _stream(command, os.path.join(data_dir, "mm-experiment-datagen.log"), echo)
    if code != 0:
        raise UserError("mm-datagen failed for " + ", ".join(problems) + ":\n" + "\n".join(_last_words(tail)))


def _last_words(tail):
    """What a failed program said last: its 'error: ...' paragraph, or the end of its traceback."""
    for i, line in enumerate(tail):
        if line.startswith("error:"):
            return tail[i:]
    lines = [line for line in tail if line.strip() and set(line.strip()) - set("^~")]
    return lines[-6:]
