"""mm-datagen's work: raw samples of each problem -> shared vocabulary, command table, TFRecord shards.

    generate("mini_suite", data_dir="d", tmp_dir="t")

Re-runs are cheap and safe: complete shards are skipped, missing ones are redone (the generators are
deterministic, so a redone shard holds what it would have held), the vocabulary is reused.
"""
import itertools
import os
import tempfile

from t2t_mm import registry
from t2t_mm.data import datadir_lock, meta, shards, target_spaces
from t2t_mm.data import vocab as vocab_lib
from t2t_mm.data.data_errors import DataDirError, VocabError
from t2t_mm.data.progress import Progress
from t2t_mm.errors import UserError


def prepare_dir(path, flag):
    """Creates a directory and proves it writable, or DataDirError naming the flag."""
    if not path:
        raise DataDirError(f"--{flag} is required")
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise DataDirError(f"--{flag}={path} is not a writable directory ({exc.strerror or exc}). "
                           "Pick a directory you can write to.") from exc


def generate(problems, data_dir, tmp_dir, num_shards=None, vocab_size=None, size_scale=None,
             log=print, progress_every=5.0, source=None):
    """Generates every problem named in `problems` ('a,b' or a mixture name); returns the problems.
    source: "raw" or "tfds" for the problems that can read either (Problem.use_source); None: their default."""
    names = list(registry.expand_problems(problems)) if isinstance(problems, str) else list(problems)
    instances = [registry.problem(n) for n in names]
    for problem in instances:
        if source is not None:
            problem.use_source(source)
        problem.check_declarations()
        if size_scale is not None:
            problem.size_scale = size_scale
    prepare_dir(data_dir, "data_dir")
    prepare_dir(tmp_dir, "tmp_dir")
    if num_shards is not None and num_shards < 1:
        raise UserError(f"--num_shards={num_shards}: must be at least 1")
    with datadir_lock.hold(data_dir):   # before anything in data_dir is touched
        _generate(instances, data_dir, tmp_dir, num_shards, vocab_size, log, progress_every)
    return instances


def _generate(instances, data_dir, tmp_dir, num_shards, vocab_size, log, progress_every):
    vocab = ensure_vocab(instances, data_dir, tmp_dir, vocab_size, log)
    ids = target_spaces.ensure(data_dir, [p.target_space for p in instances])
    for problem, space_id in zip(instances, ids):
        log(f"{problem.name}: command token {target_spaces.command_token(problem.target_space)} (id {space_id})")
        for split, default_shards in problem.splits.items():
            count = num_shards if (num_shards and split == "train") else default_shards
            write_split(problem, split, count, data_dir, tmp_dir, vocab if problem.uses_vocab else None,
                        log, progress_every)


def ensure_vocab(problems, data_dir, tmp_dir, vocab_size, log):
    text_problems = [p for p in problems if p.uses_vocab]
    if not text_problems:
        return None
    if vocab_lib.exists(data_dir):
        vocab_lib.check_reusable(data_dir, vocab_size)
        vocab = vocab_lib.Vocab(data_dir)
        log(f"reusing the shared vocabulary {data_dir}/{vocab_lib.MODEL_FILE} ({vocab.size} pieces, "
            f"built from {', '.join(vocab.meta.get('built_from', []))})")
        return vocab
    size = vocab_size or vocab_lib.DEFAULT_VOCAB_SIZE
    names = [p.name for p in text_problems]
    log(f"building the shared vocabulary (up to {size} subwords) from the training text of {', '.join(names)}")
    progress = Progress("vocabulary text", log=log)
    lines = itertools.chain.from_iterable(_guarded(p, tmp_dir, "train", p.vocab_lines(tmp_dir)) for p in text_problems)
    vocab = vocab_lib.train(data_dir, _counted(lines, progress), size, names)
    progress.finish(f"{vocab.size} pieces")
    return vocab


def _counted(lines, progress):
    for line in lines:
        progress.update()
        yield line


def write_split(problem, split, num_shards, data_dir, tmp_dir, vocab, log=print, progress_every=5.0):
    """Writes the missing shards of one split; returns the number of shards written."""
    finals = shards.shard_names(data_dir, problem.name, split, num_shards)
    others = sorted(n for n in shards.existing_sets(data_dir, problem.name, split) if n != num_shards)
    if others:
        raise DataDirError(
            f"{data_dir} already has {problem.name} {split} shards '-of-{others[0]:05d}' but this run writes "
            f"{num_shards}: re-run with --num_shards={others[0]} to finish or keep them, or delete "
            f"{data_dir}/{problem.name}-{split}-* first")
    shards.remove_stale_temporaries(finals)
    missing = [i for i, path in enumerate(finals) if not os.path.exists(path)]
    fingerprint = vocab.fingerprint if vocab else None
    written_with = meta.read(data_dir, problem.name).get("vocab_fingerprint")
    if fingerprint and written_with and written_with != fingerprint and len(missing) < num_shards:
        raise VocabError(f"{data_dir} holds {problem.name} shards written with another vocabulary; delete "
                         f"{data_dir}/{problem.name}-* and run again")
    if not missing:
        log(f"{problem.name} {split}: all {num_shards} shards exist, skipped")
        return 0
    writer = shards.ShardSetWriter(finals, missing)
    progress = Progress(f"{problem.name} {split}", problem.num_examples(split), log, progress_every)
    try:
        for sample in _guarded(problem, tmp_dir, split, problem.generate_samples(tmp_dir, split)):
            writer.write(_serialize(problem, sample, vocab) if writer.wants_next() else None)
            progress.update()
        if split == "train" and writer.count == 0:
            raise UserError(f"{problem.name}.generate_samples yielded no training examples from --tmp_dir={tmp_dir}; "
                            "nothing was written. Put the raw training data there (see the problem's documentation).")
    except BaseException:
        writer.abort()
        raise
    writer.close()
    meta.record_split(data_dir, problem.name, split, num_shards, writer.count, fingerprint)
    progress.finish(f"{len(missing)} of {num_shards} shards written")
    return len(missing)


def _serialize(problem, sample, vocab):
    try:
        return problem.serialize(sample, vocab)
    except KeyError as exc:
        raise UserError(f"{problem.name}.generate_samples yielded a sample without {exc} (it has "
                        f"{', '.join(map(repr, sample))}); a {type(problem).__mro__[1].__name__} yields "
                        f"{_expected_keys(problem)}") from exc
    except (TypeError, ValueError) as exc:
        raise UserError(f"{problem.name}.generate_samples yielded a bad sample: {exc}") from exc


def _expected_keys(problem):
    keys = {"text": None, "image": "image", "audio": "audio, sample_rate", "class": "label"}
    parts = []
    for name, codec in problem.codecs.items():
        parts.append(getattr(codec, "sample_key", None) or keys[codec.kind])
    return "{" + ", ".join(parts) + "}"


def _guarded(problem, tmp_dir, split, samples):
    """Raw-data read failures become errors naming the problem, the split and --tmp_dir."""
    try:
        yield from samples
    except OSError as exc:
        raise UserError(f"{problem.name} could not read its raw {split} data: {exc} (--tmp_dir={tmp_dir}). "
                        "Put the raw files there, or check the problem's documentation.") from exc
