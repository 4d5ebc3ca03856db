"""The terminal lines of a run (see USER_EXPERIENCE.md):

    step  1200/20000  mini_speech          loss 2.314  6.1 steps/s  1,530 ex/s  ETA 51m
    eval  step 2000   mini_translate_ende  acc 0.71  log_ppl 1.38  bleu 23.4 (sacrebleu nrefs:1|...)
    saved checkpoint run/ckpt-2000
"""
import sys
import time

from t2t_mm.metrics import names

LABELS = {"accuracy": "acc"}   # a record key's label in the eval line, where it is not the key itself


def format_duration(seconds):
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


class Progress:
    """Rates are measured over the steps since the last printed line (a resumed run starts afresh)."""

    def __init__(self, total_steps, log_every, enabled=True, stream=None):
        self.total = int(total_steps)
        self.log_every = max(int(log_every), 1)
        self.enabled = enabled
        self.stream = stream or sys.stdout
        self._since = time.perf_counter()
        self._steps = 0
        self._examples = 0.0

    def _print(self, line):
        if self.enabled:
            print(line, file=self.stream, flush=True)

    def restart_clock(self):
        """Call after pauses (eval, checkpointing, compiling) so they do not count as training time."""
        self._since = time.perf_counter()
        self._steps = 0
        self._examples = 0.0

    def step(self, step, problem, loss, examples, compiled_seconds=None):
        """compiled_seconds: this step first built (traced) the problem's step; it is left out of the rates."""
        if compiled_seconds is not None:
            line = (f"step {step:>6}/{self.total}  {problem:<22} loss {loss:.3f}  "
                    f"(built its compiled step in {compiled_seconds:.1f}s)")
            self._print(line)  # once per problem: says where the first minutes go
            self._since = time.perf_counter()
            return line
        self._steps += 1
        self._examples += float(examples)
        if step % self.log_every and step != self.total:
            return None
        elapsed = max(time.perf_counter() - self._since, 1e-9)
        rate = self._steps / elapsed
        line = (f"step {step:>6}/{self.total}  {problem:<22} loss {loss:.3f}  {rate:.1f} steps/s  "
                f"{self._examples / elapsed:,.0f} ex/s  ETA {format_duration((self.total - step) / rate)}")
        self._print(line)
        self.restart_clock()
        return line

    def eval(self, step, problem, result):
        """One line per problem: each metric with its shuffled-input value beside it, e.g.
        'acc 0.912 (shuffled 0.401)', and how many dev examples were scored."""
        parts = []
        for key in names.RECORD_KEYS:
            label = LABELS.get(key, key)
            if key in result:
                digits = 1 if key == "bleu" else 3
                shuffled = result.get(f"{key}_shuffled")
                part = f"{label} {result[key]:.{digits}f}"
                parts.append(part if shuffled is None else f"{part} (shuffled {shuffled:.{digits}f})")
        if "examples" in result:
            parts.append(f"n={int(result['examples'])}")
        if "bleu_signature" in result:
            parts.append(f"(sacrebleu {result['bleu_signature']})")
        parts += [f"({key[:-len('_error')]} failed: {value})" for key, value in result.items()
                  if key.endswith("_error")]
        line = f"eval  step {step:<7} {problem:<22} " + "  ".join(parts)
        self._print(line)
        return line

    def saved(self, path):
        self._print(f"saved checkpoint {path}")

    def note(self, text):
        self._print(text)
