"""Evaluation of one problem on its dev split: the paper's per-token accuracy and log-perplexity for text
targets, top-1/top-5 for class targets, and the decode-based metrics the problem declares (BLEU, WER/CER,
bracket F1) through t2t_mm.decoding and t2t_mm.metrics, so the trainer and mm-decoder report the same
figures. Runs on the chief, outside strategy.run (no collectives), over at most eval_steps batches.
"""
import numpy as np

from t2t_mm import metrics
from t2t_mm.training import decode_eval


class Evaluator:
    def __init__(self, problems, steps, data_dir, hparams, eval_steps, decode_examples=16):
        self.problems = problems      # {name: Problem}
        self.steps = steps            # CompiledSteps
        self.data_dir = data_dir
        self.hparams = hparams
        self.eval_steps = int(eval_steps)
        self.decode_examples = int(decode_examples)
        self._datasets = {}
        self.decoder = decode_eval.DecodeScorer(steps.model, data_dir, hparams, decode_examples)

    def _dataset(self, name):
        if name not in self._datasets:
            self._datasets[name] = self.problems[name].dataset("eval", self.data_dir, self.hparams)
        return self._datasets[name]

    def evaluate(self, name):
        """{metric: value} for one problem, plus 'moe': the MoE stats (expert load, dropped fraction)
        averaged over the eval batches, as numpy arrays."""
        spec = self.steps.specs[name]
        dataset = self._dataset(name)
        if self.eval_steps > 0:
            dataset = dataset.take(self.eval_steps)
        eval_step = self.steps.eval(name, dataset.element_spec)
        tokens = metrics.TokenStats()
        classes = metrics.ClassStats()
        nll_sum = count = 0.0
        moe_sums, batches, seen = {}, [], 0
        for features in dataset:
            stats, moe = eval_step(features)
            seen += 1
            for key, value in moe.items():
                moe_sums[key] = moe_sums.get(key, 0.0) + np.asarray(value, np.float64)
            nll_sum += float(stats["nll_sum"])
            count += float(stats["count"])
            if spec.text_targets:
                tokens += metrics.TokenStats(float(stats["correct"]), float(stats["nll_sum"]),
                                             float(stats["count"]))
            else:
                classes += metrics.class_stats(stats["logits"], features["targets"])
            if sum(_batch_size(b) for b in batches) < self.decode_examples:
                batches.append(features)
        if count == 0:
            return {}
        if spec.text_targets:
            result = {"accuracy": tokens.accuracy, "log_ppl": tokens.log_perplexity}
        else:
            result = {"top1": classes.top1_accuracy, "top5": classes.top5_accuracy,
                      "log_ppl": nll_sum / count}
        result.update(self.decoder.score(self.problems[name], batches, dataset.element_spec))
        result["moe"] = {k: v / seen for k, v in moe_sums.items()}
        return result


def _batch_size(features):
    return int(features["targets"].shape[0])
