"""mm-trainer's loop: one model shared by all problems, one problem per step (drawn by a step-seeded
sampler), compiled per-problem steps on a tf.distribute strategy, periodic eval and checkpoints, automatic
resume from output_dir, and a NaN/Inf guard that stops before a bad state is ever saved."""
import dataclasses
import json
import math
import os
import time

import keras
import tensorflow as tf

from t2t_mm import hparams as hparams_lib
from t2t_mm import atomic, registry
from t2t_mm.errors import UserError
from t2t_mm.training import (checkpoints, distribution, evaluation, optimizer as optimizer_lib, progress,
                             sampler as sampler_lib, step as step_lib, summaries)


PROBLEMS_FILE = "problems.json"


class NonFiniteLossError(UserError):
    """The training loss became NaN or Inf; the run stops without saving the bad state."""


@dataclasses.dataclass
class TrainConfig:
    problems: str
    data_dir: str
    output_dir: str
    hparams_set: str = "multimodel_tiny"
    hparams: str = ""
    model: str = "multimodel"
    train_steps: int = 1000
    eval_steps: int = 20
    eval_every: int = 1000
    save_every: int = 1000
    keep_checkpoint_max: int = 5
    mixing: str = "uniform"
    mixing_temperature: float = 2.0
    distribution: str = "auto"
    tpu: str = None
    log_every: int = 100
    jit_compile: bool = False
    decode_examples: int = 16
    export: bool = False

    def check(self):
        for name in ("problems", "data_dir", "output_dir"):
            if not getattr(self, name):
                raise UserError(f"--{name} is required (mm-trainer --problems=A,B --data_dir=D --output_dir=O)")
        if self.train_steps < 0:
            raise UserError(f"--train_steps={self.train_steps} must be >= 0")
        for name in ("eval_every", "save_every", "log_every", "eval_steps", "keep_checkpoint_max"):
            if getattr(self, name) < 0:
                raise UserError(f"--{name}={getattr(self, name)} must be >= 0 (0 turns it off where that "
                                "makes sense)")
        self.output_dir = os.path.abspath(os.path.expanduser(self.output_dir))
        self.data_dir = os.path.abspath(os.path.expanduser(self.data_dir))
        return self


def config_from_flags(flags_values):
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {name: getattr(flags_values, name) for name in fields if name in flags_values}
    return TrainConfig(**values)


def main_from_flags(flags_values):
    Trainer(config_from_flags(flags_values)).run()
    return 0


def _training_sizes(problems, data_dir, hparams):
    """{name: number of training examples}; counted from the shards when the problem does not know."""
    sizes = {}
    for name, problem in problems.items():
        known = problem.num_examples("train") if hasattr(problem, "num_examples") else None
        if not known:
            dataset = problem.dataset("train", data_dir, hparams, shuffle=False, repeat=False)
            known = int(dataset.reduce(0, lambda n, b: n + tf.shape(b["targets"])[0]).numpy())
        sizes[name] = known
    return sizes


class Trainer:
    def __init__(self, config):
        self.config = config.check()
        self.strategy = distribution.make_strategy(config.distribution, config.tpu)
        _, self.task_id, self.is_chief = distribution.worker_info(self.strategy)
        self.hparams = hparams_lib.create_hparams(config.hparams_set, config.hparams, config.output_dir)
        if self.is_chief:
            self.hparams.save(config.output_dir)
        keras.utils.set_random_seed(self.hparams.seed)  # same initial weights on every run and worker
        rates = registry.expand_problems(config.problems)
        self.problems = {name: registry.problem(name) for name in sorted(rates)}
        self.specs = {name: p.spec(config.data_dir) for name, p in self.problems.items()}
        sizes = {} if config.mixing == "uniform" else _training_sizes(self.problems, config.data_dir,
                                                                      self.hparams)
        weights = sampler_lib.mixing_weights(rates, sizes, config.mixing, config.mixing_temperature)
        self.sampler = sampler_lib.ProblemSampler(weights, self.hparams.seed)
        self.progress = progress.Progress(config.train_steps, config.log_every, enabled=self.is_chief)
        if self.is_chief:
            self._record_run()
        self._build()

    def _record_run(self):
        """output_dir/problems.json: what mm-decoder needs to rebuild this model (problems, model name)."""
        record = {"problems": sorted(self.problems), "model": self.config.model,
                  "data_dir": self.config.data_dir, "mixing": self.config.mixing,
                  "weights": dict(zip(self.sampler.names, self.sampler.probs.tolist()))}
        path = os.path.join(self.config.output_dir, PROBLEMS_FILE)
        atomic.write_text(path, json.dumps(record, indent=1, sort_keys=True))

    # --- setup ----------------------------------------------------------------------------------------
    def _sample_batch(self, name):
        dataset = self.problems[name].dataset("train", self.config.data_dir, self.hparams, shuffle=False)
        for batch in dataset.take(1):
            return {k: v[:1] for k, v in batch.items()}
        raise UserError(f"the training split of {name} in {self.config.data_dir} is empty: regenerate it "
                        f"with mm-datagen --problem={name} --data_dir={self.config.data_dir} --tmp_dir=<tmp_dir>")

    def _build(self):
        """Model (every problem's path built once), optimizer slots, step counter; then resume."""
        config = self.config
        samples = {name: self._sample_batch(name) for name in self.problems}
        with self.strategy.scope():
            self.model = registry.model(config.model)(self.hparams, list(self.specs.values()))
            for name, batch in samples.items():
                self.model(batch, problem=name, training=True)
            self.optimizer = optimizer_lib.Adam.from_hparams(self.hparams)
            self.optimizer.build(self.model.trainable_variables)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step",
                                    aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.keeper = checkpoints.CheckpointKeeper(
            config.output_dir, config.keep_checkpoint_max, self.is_chief, self.task_id,
            model=self.model, optimizer=self.optimizer, step=self.step)
        restored = self.keeper.restore_latest()
        if restored:
            self.progress.note(f"resumed from {restored} at step {int(self.step.numpy())}")
        self.steps = step_lib.CompiledSteps(self.model, self.optimizer, self.strategy, self.hparams,
                                            self.specs, config.jit_compile)
        self.evaluator = evaluation.Evaluator(self.problems, self.steps, config.data_dir, self.hparams,
                                              config.eval_steps, config.decode_examples)
        self.summaries = summaries.SummaryWriter(config.output_dir, enabled=self.is_chief)
        self.iterators = {}

    def _iterator(self, name, start_step):
        """The problem's distributed training iterator; its shuffle seed moves with the resume step so a
        resumed run does not replay the first batches (tf.data positions are not checkpointed)."""
        if name not in self.iterators:
            dataset = self.problems[name].dataset("train", self.config.data_dir, self.hparams,
                                                  seed=self.hparams.seed + int(start_step))
            options = tf.data.Options()
            options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
            dataset = dataset.with_options(options)
            self.iterators[name] = iter(self.strategy.experimental_distribute_dataset(dataset))
        return self.iterators[name]

    # --- the loop -------------------------------------------------------------------------------------
    def run(self):
        """Trains up to train_steps; returns {problem: last eval result}."""
        config = self.config
        step = start = int(self.step.numpy())
        if start >= config.train_steps:
            self.progress.note(f"already trained to step {start} (--train_steps={config.train_steps})")
        results = {}
        while step < config.train_steps:
            name = self.sampler.problem_at(step)
            traces, began = self.steps.trace_counts[name], time.perf_counter()
            outputs = self.steps.train(name)(self._iterator(name, start), tf.constant(step + 1, tf.int64))
            outputs = {k: float(v) for k, v in outputs.items()}
            compiled = time.perf_counter() - began if self.steps.trace_counts[name] > traces else None
            loss = outputs["loss"] + outputs["aux_loss"]
            if not math.isfinite(loss):
                self._stop_on_bad_loss(step + 1, name, loss)
            step += 1
            self.step.assign(step)
            self.summaries.train(step, name, outputs)
            self.progress.step(step, name, outputs["loss"], outputs["examples"], compiled)
            if config.eval_every and step % config.eval_every == 0 and step < config.train_steps:
                results.update(self.evaluate(step))
            if config.save_every and step % config.save_every == 0 and step < config.train_steps:
                self.save(step)
        if step > start or not self.keeper.latest():
            self.save(step)
        results.update(self.evaluate(step))
        if config.export:
            self.export()
        self.summaries.close()
        return results

    def _stop_on_bad_loss(self, step, name, loss):
        latest = self.keeper.latest()
        kept = f"the last good checkpoint {latest} is kept" if latest else "no checkpoint had been saved yet"
        raise NonFiniteLossError(
            f"training loss became {loss} at step {step} on problem {name}; stopped without saving "
            f"({kept}). Lower the learning rate (e.g. --hparams='learning_rate=...'), raise the warmup "
            f"(learning_rate_warmup_steps), or check {name}'s data.")

    def evaluate(self, step):
        if not self.is_chief or self.config.eval_steps == 0:
            return {}
        results = {}
        for name in self.problems:
            result = self.evaluator.evaluate(name)
            if result:
                self.summaries.eval(step, name, result)
                self.progress.eval(step, name, result)
                results[name] = result
        self.progress.restart_clock()
        return results

    def save(self, step):
        path = self.keeper.save(step)
        self.progress.saved(path)
        self.progress.restart_clock()
        return path

    def export(self):
        from t2t_mm.decoding import export as export_lib  # the decoding engineer's SavedModel export
        path = export_lib.export_saved_model(self.model, self.specs, self.config.output_dir, self.hparams)
        self.progress.note(f"exported SavedModel {path}")
        return path
