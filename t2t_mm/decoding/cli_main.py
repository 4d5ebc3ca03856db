"""mm-decoder's work, separated from its flags: restore the newest checkpoint of a run, then decode a
file, an interactive session, and/or export a SavedModel. Every check a user can fail runs before
TensorFlow is imported, so mistakes are answered at once and without TensorFlow's log noise.

One output line per input line, always: an input that cannot be read (a truncated image, invalid UTF-8,
an empty recording) is reported on stderr and gets an empty output line, the others are decoded, and
the exit status is 1; only when no input at all can be read is it an error before the model loads."""
import dataclasses
import os
import sys
import time

from t2t_mm import atomic, registry
from t2t_mm.decoding.decode_hparams import decode_hparams, max_decode_length
from t2t_mm.errors import UserError
from t2t_mm.training import run_folder

SKIPPED = 1                             # exit status when some inputs were skipped


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
        record = run_folder.read_problems(self.output_dir)   # mm-trainer's record: problems, model, data_dir
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
        if self.decode_to_file:
            check_writable(self.decode_to_file)
        self.data_dir = os.path.abspath(os.path.expanduser(self.data_dir))
        return self


def check_writable(path):
    """--decode_to_file must name a file in a writable folder: checked before hours of decoding."""
    if os.path.isdir(path):
        raise UserError(f"--decode_to_file={path} is a folder: name a file, e.g. {os.path.join(path, 'decodes.txt')}")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.exists(folder) and (not os.path.isdir(folder) or not os.access(folder, os.W_OK)):
        raise UserError(f"--decode_to_file={path}: {folder} is not a writable folder")


def config_from_flags(flag_values):
    fields = {f.name for f in dataclasses.fields(DecodeConfig)}
    return DecodeConfig(**{name: getattr(flag_values, name) for name in fields if name in flag_values})


def requested_problems(config):
    return list(registry.expand_problems(config.problem))


def run_problems(config):
    """The problems to build the model for: the run's problems, which must include --problem."""
    given = [p.strip() for p in (config.problems or "").split(",") if p.strip()]
    names = list(registry.expand_problems(",".join(given))) if given else \
        run_folder.trained_problems(config.output_dir)
    wanted = requested_problems(config)
    missing = [p for p in wanted if names and p not in names]
    if missing:
        raise UserError(f"{config.output_dir} was trained on {', '.join(names)}, not {', '.join(missing)}: "
                        "decode one of those, or pass --problems=<the run's --problems> if it was")
    return names or wanted


def split_lines(data):
    """Lines of bytes split on \\n only (a stray \\r or \\u2028 inside a line must not make two inputs
    of one); a trailing \\r (CRLF files) is dropped."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def decode_text(raw, where):
    """UTF-8 text of one input line, or a UserError naming where the bad bytes are."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{where}: not valid UTF-8 (byte {raw[exc.start:exc.start + 1]!r} at column "
                        f"{exc.start + 1}): save the input as UTF-8") from None


def read_inputs(path, problem):
    """[(item, error)] per input line: the text (or the image/audio path, relative to the cwd or to the
    file) and None, or None and the UserError that says why that line cannot be decoded."""
    try:
        with open(path, "rb") as f:
            lines = split_lines(f.read())
    except OSError as exc:
        raise UserError(f"--decode_from_file={path}: cannot read it ({exc.strerror or exc})") from exc
    base = os.path.dirname(os.path.abspath(path))
    kind = problem.input_kind
    entries = []
    for number, raw in enumerate(lines, start=1):
        try:
            line = decode_text(raw, f"{path}:{number}")
            if kind != "text":
                line = _input_path(line, kind, base, f"{path}:{number}")
            entries.append((line, None))
        except UserError as exc:
            entries.append((None, exc))
    return entries


def _input_path(line, kind, base, where):
    item = line.strip()
    if not item:
        raise UserError(f"{where}: empty line where an {kind} path was expected")
    if not os.path.exists(item) and os.path.exists(os.path.join(base, item)):
        item = os.path.join(base, item)
    if not os.path.isfile(item):
        raise UserError(f"{where}: {kind} file not found: {item} (paths are taken relative to the current "
                        f"directory or to {base})")
    return item


def _all_failed(entries, path):
    errors = [e for _, e in entries if e is not None]
    if entries and len(errors) == len(entries):
        more = f" (and the other {len(errors) - 1} lines too)" if len(errors) > 1 else ""
        raise UserError(f"{errors[0]}{more}")


def decode_entries(decoder, entries, stderr):
    """One output line per entry: the decode, or '' for an entry that could not be read (reported).
    Inputs are prepared one batch at a time, so a long list of images never sits in memory at once."""
    lines, skipped, size = [""] * len(entries), 0, decoder.decode_hp.batch_size
    for start in range(0, len(entries), size):
        prepared = []
        for index, (item, error) in enumerate(entries[start:start + size], start=start):
            if error is None:
                try:
                    prepared.append((index, decoder.inputs_of(item)))
                    continue
                except UserError as exc:
                    error = exc
            skipped += 1
            print(f"error: {error} (skipped: its output line is empty)", file=stderr)
        if prepared:
            results = decoder.decode_inputs([tensor for _, tensor in prepared])
            for (index, _), result in zip(prepared, results):
                lines[index] = decoder.format_line(result)
    return lines, skipped


def stdin_lines(stdin):
    """Interactive lines as bytes when stdin has them (so invalid UTF-8 is one line's error), else text."""
    source = getattr(stdin, "buffer", None)
    for line in (source if source is not None else stdin):
        yield line


def write_outputs(path, lines):
    """Writes atomically (temp file + rename): an interrupted decode never leaves a partial file."""
    try:
        atomic.write_text(path, "".join(line + "\n" for line in lines))
    except OSError as exc:
        raise UserError(f"--decode_to_file={path}: cannot write it ({run_folder.describe_os_error(exc)})") from exc


def check_inputs(config):
    """Every check that needs no TensorFlow: the problem, the run's checkpoint and the data_dir's
    command-token table. Returns the problem to decode and the problems the model is built for."""
    wanted = requested_problems(config)
    if len(wanted) > 1 and (config.decode_from_file or config.decode_interactive):
        raise UserError(f"--problem={config.problem}: files and interactive sessions decode one problem at a "
                        "time (a list or a mixture is for --decode_dev and --export_dir)")
    problem = registry.problem(wanted[0])
    if not run_folder.checkpoint_candidates(config.output_dir):
        raise run_folder.no_checkpoint_error(config.output_dir, config.problem, config.data_dir)
    if not os.path.exists(os.path.join(config.data_dir, run_folder.TARGET_SPACES)):
        raise UserError(f"{config.data_dir} has no {run_folder.TARGET_SPACES} (the command-token ids the run "
                        "was trained with): pass the --data_dir that mm-datagen wrote and mm-trainer read")
    return problem, run_problems(config)


class _Session:
    """What every mode shares once the model is restored: the model, its hparams and a decoder per problem."""

    def __init__(self, config, model, hparams, decode_hp):
        self.config, self.model, self.hparams, self.decode_hp = config, model, hparams, decode_hp
        self.max_length = max_decode_length(decode_hp, hparams)
        from t2t_mm.decoding.decoder import CompiledDecodeFns
        self.compiled = CompiledDecodeFns(model, decode_hp, self.max_length)

    def decoder_for(self, problem):
        from t2t_mm.decoding.decoder import Decoder
        data_dir = self.config.data_dir
        vocab = problem.vocab(data_dir) if problem.uses_vocab else None
        spec = problem.spec(data_dir)
        return Decoder(self.model, problem, spec, self.decode_hp, self.max_length, vocab,
                       compiled=self.compiled.get(spec))


def export_mode(session, names, stderr):
    """--export_dir: a SavedModel with one signature per problem of the run."""
    from t2t_mm.decoding.export import export_saved_model
    config = session.config
    specs = [registry.problem(n).spec(config.data_dir) for n in names]
    path = export_saved_model(session.model, specs, config.output_dir, session.hparams,
                              export_dir=config.export_dir, decode_hparams=session.decode_hp)
    print(f"exported SavedModel {path} (signatures: {', '.join(s.name for s in specs)})", file=stderr)


def dev_mode(session, stdout):
    """--decode_dev=N: N dev examples of each requested problem, decoded beside their references."""
    from t2t_mm.decoding.dev_samples import dev_samples, format_samples
    config = session.config
    for name in requested_problems(config):
        rows = dev_samples(session.decoder_for(registry.problem(name)), config.data_dir, session.hparams,
                           config.decode_dev)
        print(format_samples(name, rows), file=stdout, flush=True)


def file_mode(session, problem, entries, stdout, stderr):
    """--decode_from_file: one output line per input line; returns the exit status (SKIPPED if any
    input could not be read)."""
    config = session.config
    start = time.time()
    lines, skipped = decode_entries(session.decoder_for(problem), entries, stderr)
    took, done = time.time() - start, len(entries) - skipped
    if config.decode_to_file:
        write_outputs(config.decode_to_file, lines)
    else:
        stdout.writelines(line + "\n" for line in lines)
    print(f"decoded {done} inputs in {took:.1f}s ({done / max(took, 1e-9):.1f}/s)"
          + (f", skipped {skipped} (empty output lines; errors above)" if skipped else "")
          + (f" -> {config.decode_to_file}" if config.decode_to_file else ""), file=stderr)
    return SKIPPED if skipped else 0


def interactive_mode(session, problem, stdin, stdout, stderr):
    """--decode_interactive: one input per line until end of input; a bad line is reported, not fatal."""
    decoder = session.decoder_for(problem)
    kind = "text" if problem.input_kind == "text" else f"{problem.input_kind} path"
    print(f"{session.config.problem}: one {kind} per line; end with Ctrl-D", file=stderr)
    for number, line in enumerate(stdin_lines(stdin), start=1):
        try:   # a typo, a bad file or bad bytes in one line must not end the session
            if isinstance(line, bytes):
                line = decode_text(line, f"input line {number}")
            item = line.rstrip("\n").rstrip("\r")
            if not item.strip():
                continue
            result = decoder.decode([item.strip() if kind != "text" else item])[0]
        except UserError as exc:
            print(f"error: {exc}", file=stderr, flush=True)
            continue
        print(decoder.format_block(result), file=stdout, flush=True)


def main(config, stdin=None, stdout=None, stderr=None):
    """Checks (before TensorFlow loads), restores the run's model, then runs each requested mode:
    export, dev samples, a file, an interactive session. Returns the exit status."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    config.check()
    decode_hp = decode_hparams(config.decode_hparams)
    problem, names = check_inputs(config)
    entries = None
    if config.decode_from_file:
        entries = read_inputs(config.decode_from_file, problem)
        _all_failed(entries, config.decode_from_file)
    problems = {n: registry.problem(n) for n in names}
    run_folder.check_data(config.output_dir, run_folder.data_record(
        config.data_dir, problems, {n: p.spec(config.data_dir) for n, p in problems.items()}))

    from t2t_mm.decoding import restore
    model, hparams, checkpoint = restore.load_model(config.output_dir, names, config.data_dir, config.model,
                                                    note=lambda text: print(text, file=stderr))
    print(f"restored {checkpoint}", file=stderr)
    session = _Session(config, model, hparams, decode_hp)
    if config.export_dir:
        export_mode(session, names, stderr)
    if config.decode_dev:
        dev_mode(session, stdout)
    status = 0
    if config.decode_from_file:
        status = file_mode(session, problem, entries, stdout, stderr)
    if config.decode_interactive:
        interactive_mode(session, problem, stdin, stdout, stderr)
    return status
