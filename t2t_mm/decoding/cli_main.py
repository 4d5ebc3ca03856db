"""mm-decoder's work, separated from its flags: restore the newest checkpoint of a run, then decode a
file, an interactive session, and/or export a SavedModel. Every check a user can fail runs before
TensorFlow is imported, so mistakes are answered at once and without TensorFlow's log noise."""
import dataclasses
import json
import os
import sys
import time

from t2t_mm import atomic, registry
from t2t_mm.decoding.decode_hparams import decode_hparams, max_decode_length
from t2t_mm.errors import UserError

CHECKPOINT_STATE = "checkpoint"   # the state file tf.train.CheckpointManager keeps beside ckpt-N
RUN_RECORD = "problems.json"      # mm-trainer's record of the run: problems, model, data_dir


def run_record(output_dir):
    """What mm-trainer recorded about the run in output_dir ({} when nothing was recorded)."""
    path = os.path.join(output_dir, RUN_RECORD)
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            record = json.load(f)
    except ValueError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); pass --problems, --model and --data_dir "
                        "explicitly, or delete the file") from exc
    return record if isinstance(record, dict) else {"problems": list(record)}


def input_kind(problem):
    return problem.input_codec.kind


@dataclasses.dataclass
class DecodeConfig:
    output_dir: str
    problem: str
    data_dir: str = None       # default: the data_dir the run recorded
    problems: str = ""
    model: str = None          # default: the model the run recorded, else multimodel
    decode_hparams: str = ""
    decode_from_file: str = None
    decode_to_file: str = None
    decode_interactive: bool = False
    export_dir: str = None
    decode_dev: int = 0

    def check(self):
        for name in ("output_dir", "problem"):
            if not getattr(self, name):
                raise UserError(f"--{name} is required: mm-decoder --output_dir=<run> --problem=<name> "
                                "--decode_from_file=<inputs> [--decode_to_file=<out>]")
        self.output_dir = os.path.abspath(os.path.expanduser(self.output_dir))
        record = run_record(self.output_dir)
        self.data_dir = self.data_dir or record.get("data_dir")
        self.model = self.model or record.get("model") or "multimodel"
        if not self.data_dir:
            raise UserError(f"--data_dir is required ({self.output_dir} records none): the data_dir of "
                            "training, with the shared vocabulary and the command-token table")
        if not (self.decode_from_file or self.decode_interactive or self.export_dir or self.decode_dev):
            raise UserError("nothing to do: pass --decode_from_file=F [--decode_to_file=G], "
                            "--decode_interactive, --decode_dev=N or --export_dir=DIR")
        if self.decode_dev < 0:
            raise UserError(f"--decode_dev={self.decode_dev} must be >= 0")
        if self.decode_from_file and self.decode_interactive:
            raise UserError("--decode_from_file and --decode_interactive exclude each other: choose one")
        if self.decode_to_file and not self.decode_from_file:
            raise UserError("--decode_to_file needs --decode_from_file (the inputs, one per line)")
        if self.decode_from_file and not os.path.isfile(self.decode_from_file):
            raise UserError(f"--decode_from_file={self.decode_from_file}: no such file")
        self.data_dir = os.path.abspath(os.path.expanduser(self.data_dir))
        return self


def config_from_flags(flag_values):
    fields = {f.name for f in dataclasses.fields(DecodeConfig)}
    return DecodeConfig(**{name: getattr(flag_values, name) for name in fields if name in flag_values})


def requested_problems(config):
    return list(registry.expand_problems(config.problem))


def run_problems(config):
    """The problems to build the model for: the run's problems, which must include --problem."""
    given = [p.strip() for p in (config.problems or "").split(",") if p.strip()]
    from t2t_mm.decoding import restore
    names = list(registry.expand_problems(",".join(given))) if given else \
        restore.trained_problems(config.output_dir, None)
    wanted = requested_problems(config)
    missing = [p for p in wanted if names and p not in names]
    if missing:
        raise UserError(f"{config.output_dir} was trained on {', '.join(names)}, not {', '.join(missing)}: "
                        "decode one of those, or pass --problems=<the run's --problems> if it was")
    return names or wanted


def read_inputs(path, problem):
    """Input lines; for image/audio problems each is a path, relative to the cwd or to the file."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n").rstrip("\r") for line in f]
    if input_kind(problem) == "text":
        return lines
    base = os.path.dirname(os.path.abspath(path))
    items = []
    for number, line in enumerate(lines, start=1):
        item = line.strip()
        if not item:
            raise UserError(f"{path}:{number}: empty line where an {input_kind(problem)} path was expected")
        if not os.path.exists(item) and os.path.exists(os.path.join(base, item)):
            item = os.path.join(base, item)
        if not os.path.isfile(item):
            raise UserError(f"{path}:{number}: {input_kind(problem)} file not found: {line.strip()} (paths are "
                            f"taken relative to the current directory or to {base})")
        items.append(item)
    return items


def write_outputs(path, lines):
    """Writes atomically (temp file + rename): an interrupted decode never leaves a partial file."""
    atomic.write_text(path, "".join(line + "\n" for line in lines))


def main(config, stdin=None, stdout=None, stderr=None):
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    config.check()
    decode_hp = decode_hparams(config.decode_hparams)
    wanted = requested_problems(config)
    if len(wanted) > 1 and (config.decode_from_file or config.decode_interactive):
        raise UserError(f"--problem={config.problem}: files and interactive sessions decode one problem at a "
                        "time (a list or a mixture is for --decode_dev and --export_dir)")
    problem = registry.problem(wanted[0])
    if not os.path.exists(os.path.join(config.output_dir, CHECKPOINT_STATE)):
        raise UserError(f"no checkpoint in {config.output_dir}: train there first, e.g. mm-trainer "
                        f"--problems={config.problem} --data_dir={config.data_dir} "
                        f"--output_dir={config.output_dir}")
    if not os.path.exists(os.path.join(config.data_dir, "target_spaces.json")):
        raise UserError(f"{config.data_dir} has no target_spaces.json (the command-token ids the run was "
                        "trained with): pass the --data_dir that mm-datagen wrote and mm-trainer read")
    names = run_problems(config)
    if config.decode_from_file:
        items = read_inputs(config.decode_from_file, problem)

    from t2t_mm.decoding import restore
    from t2t_mm.decoding.decoder import Decoder
    model, hparams, checkpoint = restore.load_model(config.output_dir, names, config.data_dir, config.model)
    print(f"restored {checkpoint}", file=stderr)
    max_length = max_decode_length(decode_hp, hparams)

    def decoder_for(p):
        vocab = p.vocab(config.data_dir) if p.uses_vocab else None
        return Decoder(model, p, p.spec(config.data_dir), decode_hp, max_length, vocab)

    decoder = decoder_for(problem)

    if config.export_dir:
        from t2t_mm.decoding.export import export_saved_model
        specs = [registry.problem(n).spec(config.data_dir) for n in names]
        path = export_saved_model(model, specs, config.output_dir, hparams, export_dir=config.export_dir,
                                  decode_hparams=decode_hp)
        print(f"exported SavedModel {path} (signatures: {', '.join(s.name for s in specs)})", file=stderr)

    if config.decode_dev:
        from t2t_mm.decoding.dev_samples import dev_samples, format_samples
        for name in requested_problems(config):
            rows = dev_samples(decoder_for(registry.problem(name)), config.data_dir, hparams, config.decode_dev)
            print(format_samples(name, rows), file=stdout, flush=True)

    if config.decode_from_file:
        start = time.time()
        lines = [decoder.format_line(r) for r in decoder.decode(items)] if items else []
        took = time.time() - start
        if config.decode_to_file:
            write_outputs(config.decode_to_file, lines)
        else:
            stdout.writelines(line + "\n" for line in lines)
        print(f"decoded {len(items)} inputs in {took:.1f}s ({len(items) / max(took, 1e-9):.1f}/s)"
              + (f" -> {config.decode_to_file}" if config.decode_to_file else ""), file=stderr)

    if config.decode_interactive:
        kind = "text" if input_kind(problem) == "text" else f"{input_kind(problem)} path"
        print(f"{config.problem}: one {kind} per line; end with Ctrl-D", file=stderr)
        for line in stdin:
            item = line.rstrip("\n")
            if not item.strip():
                continue
            try:
                result = decoder.decode([item.strip() if kind != "text" else item])[0]
            except UserError as exc:   # a typo in one line must not end the session
                print(f"error: {exc}", file=stderr)
                continue
            print(decoder.format_block(result), file=stdout, flush=True)
    return 0
