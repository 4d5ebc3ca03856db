"""The metric names a problem may declare in `eval_metrics`, and the eval-record keys each one yields.

A problem's declaration is the truth: the trainer's eval reports the declared metrics (and log_ppl, the
training loss's own figure, for every problem), progress lines, metrics.jsonl and TensorBoard show those
keys, and a declared name not listed here is refused before any data is read.
"""

# declared name -> record keys it yields (text targets, class targets)
TOKEN = {"accuracy": ("accuracy", "top1"),          # per-token accuracy / top-1 accuracy
         "accuracy_top5": (None, "top5"),
         "log_perplexity": ("log_ppl", "log_ppl")}
DECODE = ("bleu", "wer", "cer", "exact_tree", "bracket_f1")   # from greedy decodes (text targets only)
DECLARABLE = tuple(TOKEN) + DECODE
ALWAYS = ("log_perplexity",)     # reported for every problem, declared or not

# Every key an eval record may carry a metric under, in the order the progress line shows them
# ("bleu" also brings "bleu_signature"; each key has a "<key>_shuffled" twin).
RECORD_KEYS = ("accuracy", "top1", "top5", "log_ppl", "bleu", "wer", "cer", "bracket_f1", "exact_tree")


def token_keys(declared, text_targets):
    """The record keys of the eval step's sums that a problem declaring `declared` reports."""
    column = 0 if text_targets else 1
    wanted = [TOKEN[name][column] for name in TOKEN if name in tuple(declared) + ALWAYS]
    return [key for key in wanted if key]


def decode_metrics(declared):
    """The declared metrics that need decodes, in the declared order."""
    return [name for name in declared if name in DECODE]


def unknown(declared):
    """Declared names that t2t_mm does not compute."""
    return [name for name in declared if name not in DECLARABLE]
