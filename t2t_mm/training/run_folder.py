"""The one owner of output_dir's own files: their names, reading and writing, and the mismatch errors,
so mm-trainer and mm-decoder agree on what a run folder holds and refuse the same mistakes.

    hparams.json   the run's hparams (the set plus the --hparams of the invocation that started it);
                   rewritten only while the run has no checkpoint, so later --hparams stay one-off
    problems.json  the run's problems and model (fixed), and the data_dir/mixing of the newest invocation
    data.json      what ties the run to its data: the shared vocabulary's fingerprint, the command-token ids
                   of the run's problems (checked) and a copy of data_dir's whole command-token table
    runs.jsonl     one line per mm-trainer invocation: its start step, pid, --hparams and what they changed
    metrics.jsonl  one JSON object per eval of a problem (written by training.summaries, read by the
                   decoder, the learning-curve plot and mm-experiment's reports)
    export/        the SavedModel of mm-trainer --export or mm-decoder --export_dir's default
    .lock          flock-ed by the mm-trainer working here; the kernel frees it when that process dies
    ckpt-N.*       tf.train.CheckpointManager's files, listed by its state file `checkpoint`

Nothing here imports TensorFlow, so mm-decoder's checks answer before TensorFlow loads.
"""
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import time

from t2t_mm import atomic
from t2t_mm.errors import HParamsError, UserError
from t2t_mm.hparams import HParams

HPARAMS_FILE = "hparams.json"
PROBLEMS_FILE = "problems.json"
DATA_FILE = "data.json"
RUNS_FILE = "runs.jsonl"
METRICS_FILE = "metrics.jsonl"
EXPORT_DIR = "export"
LOCK_FILE = ".lock"
CHECKPOINT_PREFIX = "ckpt"
CHECKPOINT_STATE = "checkpoint"
VOCAB_MODEL = "vocab.shared.model"   # t2t_mm.data.vocab.MODEL_FILE (read here as bytes only)
TARGET_SPACES = "target_spaces.json"  # t2t_mm.data.target_spaces.FILENAME


def _read_json(output_dir, name):
    """The file's JSON, or None when it does not exist; a damaged file is a one-line error."""
    path = os.path.join(output_dir, name)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (ValueError, OSError) as exc:
        raise UserError(f"{path} is damaged ({type(exc).__name__}: {str(exc)[:200]}): restore it from a "
                        "backup or delete it (mm-trainer writes it again on the next start)") from exc


# --- problems.json ----------------------------------------------------------------------------------------
def read_problems(output_dir):
    """{'problems': [...], 'model': ..., 'data_dir': ...}; {} when the run recorded nothing."""
    record = _read_json(output_dir, PROBLEMS_FILE)
    if record is None:
        return {}
    return record if isinstance(record, dict) else {"problems": list(record)}


def write_problems(output_dir, record):
    atomic.write_text(os.path.join(output_dir, PROBLEMS_FILE), json.dumps(record, indent=1, sort_keys=True))


def trained_problems(output_dir):
    """The problems the run trained: problems.json's list, else the problems of metrics.jsonl in the order
    of their first eval (runs older than problems.json), else []."""
    if os.path.exists(os.path.join(output_dir, PROBLEMS_FILE)):
        return list(read_problems(output_dir).get("problems") or [])
    names = []
    for record in _metrics_lines(output_dir):
        if record["problem"] not in names:
            names.append(record["problem"])
    return names


def check_problems(output_dir, problems, model):
    """A resume may add problems (the checkpoint must still fit the model: the restore checks that) but
    never drop one (its modality weights would be lost at the next save) or change the model; refused
    naming both."""
    record = read_problems(output_dir)
    dropped = sorted(set(record.get("problems") or []) - set(problems))
    if dropped:
        raise UserError(
            f"{output_dir} is a run of --problems={','.join(sorted(record['problems']))}; this command leaves "
            f"out {','.join(dropped)} (their trained weights would be lost at the next save): resume with all "
            "the run's problems, or train in a new --output_dir (nothing in the run was changed)")
    if record.get("model") and record["model"] != model:
        raise UserError(f"{output_dir} is a run of --model={record['model']}, not --model={model}: resume "
                        "with the run's --model, or train in a new --output_dir (nothing was changed)")


# --- data.json: the vocabulary fingerprint and the command-token ids --------------------------------------
def vocab_fingerprint(data_dir):
    """sha256 of data_dir/vocab.shared.model (16 hex digits, as t2t_mm.data.vocab.Vocab.fingerprint)."""
    path = os.path.join(data_dir, VOCAB_MODEL)
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:16]
    except FileNotFoundError:
        return None


def data_record(data_dir, problems, specs):
    """What the run's ids mean: the vocabulary (when a problem uses it) and each problem's command-token id."""
    uses_vocab = any(p.uses_vocab for p in problems.values())
    return {"data_dir": data_dir, "vocab_fingerprint": vocab_fingerprint(data_dir) if uses_vocab else None,
            "command_tokens": {name: int(spec.target_space_id) for name, spec in sorted(specs.items())},
            "target_spaces": _target_spaces(data_dir)}


def _target_spaces(data_dir):
    """data_dir's whole command-token table as it was (a copy to restore it from, should it be lost)."""
    try:
        with open(os.path.join(data_dir, TARGET_SPACES), encoding="utf-8") as f:
            table = json.load(f)
        return table if isinstance(table, dict) else None
    except (OSError, ValueError):
        return None


def check_data(output_dir, current):
    """Refuses a data_dir whose vocabulary or command-token ids differ from the run's (same-sized
    vocabularies decode to garbage without an error), naming both."""
    recorded = _read_json(output_dir, DATA_FILE)
    if not recorded:
        return
    problems = []
    if recorded.get("vocab_fingerprint") and recorded["vocab_fingerprint"] != current["vocab_fingerprint"]:
        problems.append(f"vocabulary {current['vocab_fingerprint'] or 'missing'} instead of the run's "
                        f"{recorded['vocab_fingerprint']}")
    old, new = recorded.get("command_tokens", {}), current["command_tokens"]
    moved = [f"{n} {new[n]} instead of {old[n]}" for n in sorted(set(old) & set(new)) if old[n] != new[n]]
    if moved:
        problems.append("command-token ids " + ", ".join(moved))
    if problems:
        raise UserError(
            f"--data_dir={current['data_dir']} does not match the run in {output_dir}, trained with "
            f"--data_dir={recorded.get('data_dir')}: {'; '.join(problems)}. Pass the run's data_dir (or a copy "
            f"of it), or train in a new --output_dir (see {os.path.join(output_dir, DATA_FILE)})")


def write_data(output_dir, record):
    atomic.write_text(os.path.join(output_dir, DATA_FILE), json.dumps(record, indent=1, sort_keys=True))


# --- hparams.json and runs.jsonl --------------------------------------------------------------------------
def has_hparams(output_dir):
    return os.path.exists(os.path.join(output_dir, HPARAMS_FILE))


def write_hparams(output_dir, hparams):
    """Writes output_dir/hparams.json atomically; returns its path."""
    path = os.path.join(output_dir, HPARAMS_FILE)
    atomic.write_text(path, hparams.to_json())
    return path


def read_hparams(output_dir, missing_ok=False):
    """The run's HParams from output_dir/hparams.json (None when missing and missing_ok)."""
    path = os.path.join(output_dir, HPARAMS_FILE)
    if not os.path.exists(path):
        if missing_ok:
            return None
        raise HParamsError(f"no {HPARAMS_FILE} in {output_dir}: train there first with "
                           f"mm-trainer --output_dir={output_dir} ...")
    try:
        with open(path) as f:
            return HParams.from_json(f.read())
    except (ValueError, KeyError, TypeError) as exc:
        raise HParamsError(f"{path} is damaged ({type(exc).__name__}: {str(exc)[:200]}): restore it from "
                           "a backup, or train in a new --output_dir") from exc


def hparams_changes(saved, current):
    """{key: [the run's value, this invocation's value]} for the keys this invocation overrides."""
    if saved is None:
        return {}
    old, new = saved.values(), current.values()
    return {k: [old.get(k), v] for k, v in sorted(new.items()) if old.get(k) != v}


def append_run(output_dir, entry):
    """One line per invocation; appended whole (one write), so a kill leaves at most a missing line."""
    entry = dict(entry, time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), pid=os.getpid())
    with open(os.path.join(output_dir, RUNS_FILE), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def read_runs(output_dir):
    try:
        with open(os.path.join(output_dir, RUNS_FILE), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


# --- metrics.jsonl ------------------------------------------------------------------------------------------
def append_eval(output_dir, record):
    """One eval record as one line of output_dir/metrics.jsonl."""
    with open(os.path.join(output_dir, METRICS_FILE), "a") as f:
        f.write(json.dumps(record) + "\n")


def _metrics_lines(output_dir):
    """metrics.jsonl's JSON objects that name a problem; a torn last line (an interrupted write) is skipped."""
    path = os.path.join(output_dir, METRICS_FILE)
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            try:
                record = json.loads(line) if line.strip() else None
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("problem"):
                yield record


def read_evals(output_dir):
    """Every eval record of the run (it names its problem and step), in file order."""
    return [record for record in _metrics_lines(output_dir) if "step" in record]


def export_dir(output_dir):
    """Where the run's SavedModel goes unless told otherwise."""
    return os.path.join(output_dir, EXPORT_DIR)


# --- checkpoints on disk ------------------------------------------------------------------------------------
def checkpoint_candidates(output_dir):
    """[(step, path prefix)] newest first: the state file's entries and every ckpt-N.index on disk (a
    checkpoint missing from the state file, or a state file that is gone, still counts)."""
    steps = set()
    pattern = re.compile(rf"^{CHECKPOINT_PREFIX}-(\d+)$")
    try:
        with open(os.path.join(output_dir, CHECKPOINT_STATE), encoding="utf-8") as f:
            for match in re.finditer(r'"([^"]+)"', f.read()):
                found = pattern.match(os.path.basename(match.group(1)))
                if found:
                    steps.add(int(found.group(1)))
    except (OSError, UnicodeDecodeError):
        pass
    for index in glob.glob(os.path.join(glob.escape(output_dir), f"{CHECKPOINT_PREFIX}-*.index")):
        found = pattern.match(os.path.basename(index)[:-len(".index")])
        if found:
            steps.add(int(found.group(1)))
    return [(s, os.path.join(output_dir, f"{CHECKPOINT_PREFIX}-{s}")) for s in sorted(steps, reverse=True)]


def no_checkpoint_error(output_dir, problems="<problem>", data_dir="<data_dir>"):
    return UserError(f"no checkpoint in {output_dir}: train there first, e.g. mm-trainer "
                     f"--problems={problems} --data_dir={data_dir} --output_dir={output_dir}")


def checkpoint_does_not_fit(path, what, output_dir, details, program="mm-trainer"):
    """The error for a checkpoint that restores into another model (other problems, model or hparams)."""
    text = (f"{path} does not fit {what} built now: resume with the --problems, --model and --hparams the "
            f"run was started with (see {output_dir}/{PROBLEMS_FILE} and {HPARAMS_FILE}), or train in a new "
            f"--output_dir. Details: {details}")
    if program == "mm-decoder":
        text += " (mm-decoder: pass --problems=<the --problems the run was trained with> and the same --model)"
    return UserError(text)


def checkpoint_files(prefix):
    return glob.glob(glob.escape(prefix) + ".index") + glob.glob(glob.escape(prefix) + ".data-*")


# --- folders ------------------------------------------------------------------------------------------------
def check_output_dir(output_dir):
    """A usable --output_dir: a folder (made if missing) that this user can write; one-line errors."""
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise UserError(f"--output_dir={output_dir} is a file, not a folder: pass a folder for the run")
    try:
        os.makedirs(output_dir, exist_ok=True)
        probe = os.path.join(output_dir, f".write_test-{os.getpid()}")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as exc:
        raise UserError(f"--output_dir={output_dir} is not writable ({describe_os_error(exc)}): pass a folder "
                        "you can write, or fix its permissions") from exc


def check_data_dir(data_dir):
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise UserError(f"--data_dir={data_dir} is a file, not a folder: pass the folder mm-datagen wrote")


def describe_os_error(exc):
    """'disk full', 'permission denied', ...: the reason of an OSError in words, without a traceback."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    return exc.strerror or str(exc)


# --- the lock -------------------------------------------------------------------------------------------------
_HELD = {}   # real path of a lock file -> its open file, for locks this process holds


class RunLock:
    """An exclusive flock on output_dir/.lock holding the owner's pid. A second mm-trainer on the folder
    stops at once naming that pid; the kernel drops the lock when its process dies (even by SIGKILL), so
    a stale file never blocks. Re-entrant within one process (tests build several trainers in one)."""

    def __init__(self, output_dir, program="mm-trainer"):
        self.path = os.path.realpath(os.path.join(output_dir, LOCK_FILE))
        self.output_dir, self.program = output_dir, program

    def acquire(self):
        if self.path in _HELD:
            return self
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise UserError(f"cannot lock {self.path} ({describe_os_error(exc)})") from exc
            raise UserError(
                f"{self.output_dir} is in use by another {self.program} (pid {owner}): wait for it to end or "
                f"stop it (kill {owner}); two trainers on one --output_dir would overwrite each other's "
                "checkpoints") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _HELD[self.path] = handle
        return self

    def release(self):
        handle = _HELD.pop(self.path, None)
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
