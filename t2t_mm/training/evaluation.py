"""Evaluation of one problem on its dev split: the paper's per-token accuracy and log-perplexity for text
targets, top-1/top-5 for class targets, and the decode-based metrics (BLEU, WER/CER, bracket F1): the
ones the problem declares in eval_metrics (t2t_mm.metrics.names), plus log_ppl for every problem, through t2t_mm.decoding and t2t_mm.metrics, so the trainer and mm-decoder report the same
figures. Runs on the chief, outside strategy.run (no collectives), over eval_steps batches (-1: the
whole dev split).

Input reliance: every metric is also measured with the inputs shuffled across the eval batch (each
example gets another example's input, its own target and command token) and reported as
<metric>_shuffled. A model that ignores its inputs scores the same both ways; one that reads them falls
to chance on the shuffled side. This is the diagnostic that tells learning the outputs' language model
apart from learning the task.
"""
import numpy as np
import tensorflow as tf

from t2t_mm import metrics
from t2t_mm.metrics import names
from t2t_mm.training import decode_eval


class Evaluator:
    def __init__(self, problems, steps, data_dir, hparams, eval_steps, decode_examples=-1):
        self.problems = problems      # {name: Problem}
        self.steps = steps            # CompiledSteps
        self.data_dir = data_dir
        self.hparams = hparams
        self.eval_steps = int(eval_steps)
        self.decode_examples = int(decode_examples)
        self._datasets = {}
        self.decoder = decode_eval.DecodeScorer(steps.model, data_dir, hparams, decode_examples)

    def release(self, kind):
        """Drops the compiled eval step and greedy decodes of one kind of problem (step.share_key)."""
        self.steps.release_eval(kind)
        self.decoder.release(kind)

    def _wants_decodes(self, batches):
        return self.decode_examples < 0 or sum(_batch_size(b) for b in batches) < self.decode_examples

    def _dataset(self, name):
        if name not in self._datasets:
            self._datasets[name] = self.problems[name].dataset("eval", self.data_dir, self.hparams)
        return self._datasets[name]

    def evaluate(self, name):
        """{metric: value, metric_shuffled: value} for one problem, 'examples': how many were scored,
        and 'moe': the MoE stats (expert load, dropped fraction) averaged over the eval batches."""
        spec = self.steps.specs[name]
        dataset = self._dataset(name)
        if self.eval_steps > 0:
            dataset = dataset.take(self.eval_steps)
        eval_step = self.steps.eval(name, dataset.element_spec)
        keys = names.token_keys(self.problems[name].eval_metrics, spec.text_targets)
        real, shuffled = _Sums(spec.text_targets, keys), _Sums(spec.text_targets, keys)
        moe_sums, batches, seen = {}, [], 0
        for features in dataset:
            stats, moe = eval_step(features)
            seen += 1
            for key, value in moe.items():
                moe_sums[key] = moe_sums.get(key, 0.0) + np.asarray(value, np.float64)
            real.add(stats, features)
            shuffled.add(eval_step(shuffle_inputs(features))[0], features)
            if self._wants_decodes(batches):
                batches.append(features)
        if real.count == 0:
            return {}
        result = real.result()
        result.update({f"{k}_shuffled": v for k, v in shuffled.result().items()})
        result["examples"] = real.examples
        problem = self.problems[name]
        result.update(self.decoder.score(problem, batches, dataset.element_spec))
        decoded = self.decoder.score(problem, [shuffle_inputs(b) for b in batches], dataset.element_spec,
                                     references=batches)
        result.update({f"{k}_shuffled": v for k, v in decoded.items() if isinstance(v, float)})
        result["moe"] = {k: v / seen for k, v in moe_sums.items()}
        return result


def shuffle_inputs(features):
    """The batch with every example's input replaced by the next example's (a cyclic shift: nobody
    keeps their own input when the batch has two or more examples)."""
    return {**features, "inputs": tf.roll(features["inputs"], shift=1, axis=0)}


class _Sums:
    """Accumulates one side (real or shuffled inputs) of an eval."""

    def __init__(self, text_targets, keys):
        self.text_targets, self.keys = text_targets, keys   # keys: what the problem declared (names.py)
        self.tokens, self.classes = metrics.TokenStats(), metrics.ClassStats()
        self.nll_sum = self.count = 0.0
        self.examples = 0

    def add(self, stats, features):
        self.nll_sum += float(stats["nll_sum"])
        self.count += float(stats["count"])
        self.examples += _batch_size(features)
        if self.text_targets:
            self.tokens += metrics.TokenStats(float(stats["correct"]), float(stats["nll_sum"]),
                                              float(stats["count"]))
        else:
            self.classes += metrics.class_stats(stats["logits"], features["targets"])

    def result(self):
        if self.text_targets:
            values = {"accuracy": self.tokens.accuracy, "log_ppl": self.tokens.log_perplexity}
        else:
            values = {"top1": self.classes.top1_accuracy, "top5": self.classes.top5_accuracy,
                      "log_ppl": self.nll_sum / max(self.count, 1.0)}
        return {key: values[key] for key in self.keys}


def _batch_size(features):
    return int(features["targets"].shape[0])
