"""One sentencepiece vocabulary shared by every text problem in a data_dir (the paper's 8k subwords).

Stored as data_dir/vocab.shared.model plus vocab.shared.json (what it was built from and for which
size). It is built once, from the training text of the text problems of the first mm-datagen run that
needs it, and then reused as it is: text of problems added later is encoded with it (byte fallback
makes any character encodable), and asking for a different size is refused instead of silently
rebuilding it, because the shards already written hold ids of the existing vocabulary.

Ids: 0 = pad, 1 = EOS, 2 = unk; no BOS (the decoder starts from the command token instead).

Small corpora: ``hard_vocab_limit=False`` makes vocab_size an upper bound, so a corpus that supports
fewer pieces (the mini suite yields a few thousand) gives a smaller vocabulary instead of failing with
"Vocabulary size too high". The actual size (``Vocab.size``) is what ProblemSpec.vocab_size reports.

Model: BPE, with pieces allowed across script boundaries (split_by_unicode_script=False). Measured on
the mini suite's text: with the soft limit, unigram stops at ~860 pieces and splits "XX" into X X and
"(NP" into ( N P (2.9 subwords per tree token); BPE merges up to the limit (1.0 per tree token, 1.0 per
German word), so linearized parse trees fit the tiny max_length. On large corpora the hard 8k budget
applies either way.
"""
import hashlib
import json
import os

from t2t_mm import atomic
from t2t_mm.data.data_errors import CorruptDataError, MissingDataError, VocabError

PAD_ID = 0
EOS_ID = 1
UNK_ID = 2
DEFAULT_VOCAB_SIZE = 8000
MODEL_FILE = "vocab.shared.model"
META_FILE = "vocab.shared.json"
MAX_TRAINING_LINES = 2_000_000


class Vocab:
    """A loaded shared vocabulary: text <-> ids (without EOS; callers append it)."""

    def __init__(self, data_dir):
        import sentencepiece as spm
        self.data_dir = data_dir
        model = os.path.join(data_dir, MODEL_FILE)
        try:
            with open(model, "rb") as f:
                proto = f.read()
        except FileNotFoundError as exc:
            raise MissingDataError(
                f"no shared vocabulary in {data_dir} (looked for {exc.filename}). It is made by mm-datagen "
                f"for a text problem: mm-datagen --problem=<text problem> --data_dir={data_dir} "
                "--tmp_dir=<tmp_dir>") from exc
        self.meta = read_meta(data_dir)
        try:
            self._sp = spm.SentencePieceProcessor(model_proto=proto)
        except RuntimeError as exc:
            raise CorruptDataError(
                f"{model} is damaged ({len(proto)} bytes that sentencepiece cannot parse: truncated?). Copy "
                f"it back from where this data dir came from, or rebuild: {_REBUILD.format(d=data_dir)}") from exc
        self.fingerprint = hashlib.sha256(proto).hexdigest()[:16]

    @property
    def size(self):
        return self._sp.get_piece_size()

    def encode(self, text):
        return self._sp.encode(text)

    def decode(self, ids):
        """Ids -> text; stops at the first EOS and ignores padding."""
        ids = [int(i) for i in ids]
        if EOS_ID in ids:
            ids = ids[:ids.index(EOS_ID)]
        return self._sp.decode([i for i in ids if i != PAD_ID])


def exists(data_dir):
    return os.path.exists(os.path.join(data_dir, MODEL_FILE))


_REBUILD = ("delete {d}/vocab.shared.* and every shard in {d} (their ids belong to the old vocabulary), "
            "then re-run mm-datagen for its problems")


def read_meta(data_dir):
    """vocab.shared.json beside the model; missing or damaged is a one-line error naming the fix."""
    path = os.path.join(data_dir, META_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
        int(meta["requested_vocab_size"])
        return meta
    except FileNotFoundError:
        raise VocabError(f"{path} is missing beside {MODEL_FILE} (a partial copy of the data dir?). Copy it "
                         f"from where this data dir came from, or rebuild: {_REBUILD.format(d=data_dir)}") from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise CorruptDataError(f"{path} is damaged ({type(exc).__name__}: {str(exc)[:120]}). Copy it from "
                               f"where this data dir came from, or rebuild: {_REBUILD.format(d=data_dir)}") from None


def requested_size(data_dir):
    return int(read_meta(data_dir)["requested_vocab_size"])


def train(data_dir, lines, vocab_size, built_from, num_threads=2):
    """Trains and stores the vocabulary from an iterable of training lines (atomically)."""
    import sentencepiece as spm
    import io
    if vocab_size < 300:
        raise VocabError(f"--vocab_size={vocab_size} is too small: byte fallback alone takes 256 ids; "
                         "use at least 300 (the paper uses 8000)")
    counted = _Counting(lines)
    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(counted), model_writer=model, vocab_size=vocab_size,
            model_type="bpe", character_coverage=1.0, byte_fallback=True, split_by_unicode_script=False,
            hard_vocab_limit=False, normalization_rule_name="identity",
            pad_id=PAD_ID, eos_id=EOS_ID, unk_id=UNK_ID, bos_id=-1,
            input_sentence_size=MAX_TRAINING_LINES, shuffle_input_sentence=True,
            num_threads=num_threads, minloglevel=2)
    except RuntimeError as exc:
        if counted.error is not None:   # the problem's generator failed: raise that, not a wrapped copy
            raise counted.error
        if counted.count == 0:
            raise VocabError(f"no training text to build the shared vocabulary from: {', '.join(built_from)} "
                             "yielded no lines for the train split (is their raw data in --tmp_dir?)") from None
        raise VocabError(f"sentencepiece could not build a {vocab_size}-piece vocabulary from "
                         f"{counted.count} lines of {', '.join(built_from)}: {exc}") from exc
    os.makedirs(data_dir, exist_ok=True)
    meta = {"requested_vocab_size": vocab_size, "built_from": list(built_from),
            "training_lines": counted.count}
    atomic.write_text(os.path.join(data_dir, META_FILE), json.dumps(meta, indent=1))
    atomic.write_bytes(os.path.join(data_dir, MODEL_FILE), model.getvalue())
    return Vocab(data_dir)


def check_reusable(data_dir, vocab_size):
    """Refuses an explicit size that differs from the stored vocabulary's."""
    have = requested_size(data_dir)
    if vocab_size is not None and vocab_size != have:
        raise VocabError(
            f"{data_dir} already has a shared vocabulary built for --vocab_size={have} "
            f"({os.path.join(data_dir, MODEL_FILE)}), and its shards hold ids of it; you asked for "
            f"--vocab_size={vocab_size}. Drop --vocab_size to reuse it, or use a new --data_dir "
            "(delete the vocabulary and every shard in this one to rebuild from scratch).")


class _Counting:
    def __init__(self, lines):
        self.lines, self.count, self.error = lines, 0, None

    def __iter__(self):
        try:
            for line in self.lines:
                line = line.strip()
                if line:
                    self.count += 1
                    yield line
        except BaseException as exc:
            self.error = exc
            raise
