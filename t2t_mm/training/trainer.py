"""mm-trainer's loop: one model shared by all problems, one problem per step (drawn by a step-seeded
sampler), compiled per-problem steps on a tf.distribute strategy, periodic eval and checkpoints, automatic
resume from output_dir, and a NaN/Inf guard that stops before a bad state is ever saved.

A run folder belongs to one trainer at a time (run_folder.RunLock), and a resume is validated completely
(hparams ranges, problems, model, data fingerprint, the checkpoint restoring into the model) BEFORE any of
the run's files is written, so a refused command leaves the run as it was."""
import contextlib
import dataclasses
import gc
import math
import os
import time

import keras
import tensorflow as tf

from t2t_mm import hparams_lib
from t2t_mm import registry
from t2t_mm.errors import UserError
from t2t_mm.training import (checkpoints, curves, distribution, evaluation, guard as guard_lib,
                             host_memory, optimizer as optimizer_lib, progress, run_folder,
                             sampler as sampler_lib, step as step_lib, summaries)


GIVE_BACK_EVERY = 500   # steps between handing malloc's free pages back (host_memory.give_back_free_memory)


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
    eval_steps: int = -1             # dev batches per eval; -1: the whole dev split, 0: no eval
    eval_every: int = 1000
    save_every: int = 1000
    keep_checkpoint_max: int = 5
    mixing: str = "uniform"
    mixing_temperature: float = 2.0
    distribution: str = "auto"
    tpu: str = None
    log_every: int = 100
    jit_compile: bool = False
    decode_examples: int = -1        # dev examples decoded per eval; -1: every evaluated example
    export: bool = False
    precision: str = None            # overrides the hparams' precision (float32 | mixed_bfloat16 | mixed_float16)
    intra_op_threads: int = 0        # threads one op may split over; 0: TensorFlow's (one per core)

    def check(self):
        for name in ("problems", "data_dir", "output_dir"):
            if not getattr(self, name):
                raise UserError(f"--{name} is required (mm-trainer --problems=A,B --data_dir=D --output_dir=O)")
        if self.train_steps < 0:
            raise UserError(f"--train_steps={self.train_steps} must be >= 0")
        for name in ("eval_steps", "decode_examples"):
            if getattr(self, name) < -1:
                raise UserError(f"--{name}={getattr(self, name)} must be >= -1 (-1: the whole dev split)")
        for name in ("eval_every", "save_every", "log_every", "keep_checkpoint_max", "intra_op_threads"):
            if getattr(self, name) < 0:
                raise UserError(f"--{name}={getattr(self, name)} must be >= 0 (0 turns it off where that "
                                "makes sense)")
        if self.precision is not None and self.precision not in hparams_lib.PRECISIONS:
            raise UserError(f"--precision={self.precision} is not one of {', '.join(hparams_lib.PRECISIONS)}")
        self.output_dir = os.path.abspath(os.path.expanduser(self.output_dir))
        self.data_dir = os.path.abspath(os.path.expanduser(self.data_dir))
        run_folder.check_data_dir(self.data_dir)
        return self


def config_from_flags(flags_values):
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {name: getattr(flags_values, name) for name in fields if name in flags_values}
    return TrainConfig(**values)


def main_from_flags(flags_values):
    config = config_from_flags(flags_values).check()
    host_memory.keep_freed_memory()
    set_intra_op_threads(config.intra_op_threads)
    try:
        Trainer(config).run()
    except OSError as exc:   # disk full, a folder made read-only mid-run: one line, not a traceback
        raise UserError(f"{run_folder.describe_os_error(exc)}: {exc.filename or 'a file'} (mm-trainer "
                        f"--output_dir={config.output_dir}); free space or fix the folder, then run the same "
                        "command again to resume from the last checkpoint") from exc
    return 0


def set_intra_op_threads(threads):
    """--intra_op_threads (0: leave TensorFlow's one per core). A small model's ops are too small to
    split: on 2 cores multimodel_mini's steps take 20-45% less time with 1 thread per op and the cores
    running independent ops side by side (docs/TRAINING.md). Only before TensorFlow's runtime starts."""
    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        except RuntimeError as exc:
            raise UserError(f"--intra_op_threads={threads} came after TensorFlow started its runtime; "
                            "set it when the process starts (mm-trainer does)") from exc


def _training_sizes(problems, data_dir, hparams):
    """{name: number of training examples}: what mm-datagen recorded (Problem.dataset_size), else what the
    problem declares, else counted from the shards (a full pass, for data_dirs without that record)."""
    sizes = {}
    for name, problem in problems.items():
        known = problem.dataset_size(data_dir, "train") or problem.num_examples("train")
        if not known:
            dataset = problem.dataset("train", data_dir, hparams, shuffle=False, repeat=False)
            known = int(dataset.reduce(0, lambda n, b: n + tf.shape(b["targets"])[0]).numpy())
        sizes[name] = known
    return sizes


def run_precision(hparams):
    """The run's Keras dtype policy: its precision hparam (runs recorded before it existed: float32)."""
    return hparams.precision if "precision" in hparams else "float32"


@contextlib.contextmanager
def dtype_policy(name):
    """Keras' global dtype policy set to name while the model's layers are created, then restored (layers
    keep the policy they were created under; the process's default stays float32 for anything else)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class Trainer:
    def __init__(self, config):
        self.config = config.check()
        self.strategy = distribution.make_strategy(config.distribution, config.tpu)
        _, self.task_id, self.is_chief = distribution.worker_info(self.strategy)
        self.lock = None
        if self.is_chief:
            run_folder.check_output_dir(config.output_dir)
            self.lock = run_folder.RunLock(config.output_dir).acquire()
        try:
            self._setup(config)
        except BaseException:
            self.release()
            raise

    def release(self):
        """Frees the run folder for another trainer (the process's end does so too)."""
        if self.lock is not None:
            self.lock.release()

    def _setup(self, config):
        resumed = run_folder.has_hparams(config.output_dir)
        self.run_hparams = run_folder.read_hparams(config.output_dir) if resumed else None
        self.hparams = hparams_lib.create_hparams(config.hparams_set, config.hparams, config.output_dir)
        if config.precision is not None:   # --precision overrides the set's (and a resumed run's) value
            if "precision" in self.hparams:
                self.hparams.precision = config.precision
            else:
                self.hparams.add_hparam("precision", config.precision, hparams_lib.RANGES["precision"])
        keras.utils.set_random_seed(self.hparams.seed)  # same initial weights on every run and worker
        rates = registry.expand_problems(config.problems)
        self.problems = {name: registry.problem(name) for name in sorted(rates)}
        self.specs = {name: p.spec(config.data_dir) for name, p in self.problems.items()}
        self.data_record = run_folder.data_record(config.data_dir, self.problems, self.specs)
        run_folder.check_data(config.output_dir, self.data_record)
        sizes = {} if config.mixing == "uniform" else _training_sizes(self.problems, config.data_dir,
                                                                      self.hparams)
        weights = sampler_lib.mixing_weights(rates, sizes, config.mixing, config.mixing_temperature)
        text_inputs = [name for name, spec in self.specs.items() if spec.input_modality == "symbol"]
        first_steps = self.hparams.text_first_steps if "text_first_steps" in self.hparams else 0  # older runs
        self.sampler = sampler_lib.ProblemSampler(weights, self.hparams.seed, first_steps, text_inputs)
        self.progress = progress.Progress(config.train_steps, config.log_every, enabled=self.is_chief)
        restored = self._build()
        run_folder.check_problems(config.output_dir, list(self.problems), config.model)
        self.summaries = summaries.SummaryWriter(config.output_dir, enabled=self.is_chief)  # writes: after checks
        if self.is_chief:
            self._record_run(restored)

    def _record_run(self, restored):
        """Written only after the resume was validated. A run without a checkpoint is (re)started by this
        command: its hparams.json is this command's. Once a checkpoint exists hparams.json stays; this
        invocation's --hparams apply to it alone and are recorded in runs.jsonl (see docs/TRAINING.md)."""
        out = self.config.output_dir
        changes = run_folder.hparams_changes(self.run_hparams, self.hparams) if restored else {}
        if not restored or self.run_hparams is None:   # a new run, or one whose hparams.json was lost
            run_folder.write_hparams(out, self.hparams)
        elif changes:
            told = ", ".join(f"{k}={new!r} (run: {old!r})" for k, (old, new) in changes.items())
            self.progress.note(f"for this invocation only: {told}; {out}/{run_folder.HPARAMS_FILE} keeps the run's "
                               "values")
        run_folder.write_problems(out, {
            "problems": sorted(self.problems), "model": self.config.model, "data_dir": self.config.data_dir,
            "mixing": self.config.mixing, "weights": dict(zip(self.sampler.names, self.sampler.probs.tolist()))})
        run_folder.write_data(out, self.data_record)
        run_folder.append_run(out, {"start_step": int(self.step.numpy()), "restored": restored,
                                    "hparams_set": self.hparams.set_name, "hparams": self.config.hparams,
                                    "hparams_changes": changes, "train_steps": self.config.train_steps,
                                    "data_dir": self.config.data_dir, "mixing": self.config.mixing})

    # --- setup ----------------------------------------------------------------------------------------
    def _sample_batch(self, name):
        """One training example of the problem as a batch (builds the model; the guard's held batch)."""
        dataset = self.problems[name].dataset("train", self.config.data_dir, self.hparams, shuffle=False)
        for batch in dataset.take(1):
            return {k: v[:1] for k, v in batch.items()}
        raise UserError(f"the training split of {name} in {self.config.data_dir} is empty: regenerate it "
                        f"with {self.problems[name].datagen_command(self.config.data_dir)}")

    def _build(self):
        """Model (every problem's path built once), optimizer slots, step counter; then resume."""
        config = self.config
        self.probes = {name: self._sample_batch(name) for name in self.problems}
        with self.strategy.scope():
            with dtype_policy(run_precision(self.hparams)):   # float32 weights, compute as the policy says
                self.model = registry.model(config.model)(self.hparams, list(self.specs.values()))
                for name, batch in self.probes.items():
                    self.model(batch, problem=name, training=True)
            self.optimizer = optimizer_lib.Adam.from_hparams(self.hparams, defer_loss_scale=True)
            self.optimizer.build(self.model.trainable_variables, defer_counts=True)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step",
                                    aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.keeper = checkpoints.CheckpointKeeper(
            config.output_dir, config.keep_checkpoint_max, self.is_chief, self.task_id,
            model=self.model, optimizer=self.optimizer, step=self.step)
        restored = self.keeper.restore_latest(note=self.progress.note)
        with self.strategy.scope():   # after the restore, so they take the checkpoint's values
            self.optimizer.add_loss_scale()
            self.optimizer.add_update_counts(int(self.step.numpy()), restored_from=restored)
        if restored:
            self.progress.note(f"resumed from {restored} at step {int(self.step.numpy())}")
        self.guard = guard_lib.StateGuard(self.model, self.optimizer, self.strategy, self.specs, self.hparams,
                                          self.probes)
        self.steps = step_lib.CompiledSteps(self.model, self.optimizer, self.strategy, self.hparams,
                                            self.specs, config.jit_compile)
        self.evaluator = evaluation.Evaluator(self.problems, self.steps, config.data_dir, self.hparams,
                                              config.eval_steps, config.decode_examples)
        self.iterators = {}
        return restored

    def _iterator(self, name, start_step):
        """The problem's training iterator (distributed unless one CPU replica runs alone); its shuffle
        seed moves with the resume step so a resumed run does not replay the first batches (tf.data
        positions are not checkpointed)."""
        if name not in self.iterators:
            dataset = self.problems[name].dataset("train", self.config.data_dir, self.hparams,
                                                  seed=self.hparams.seed + int(start_step))
            if distribution.on_host_alone(self.strategy):
                self.iterators[name] = iter(dataset)
            else:   # the shard policy only matters to tf.distribute's splitting of the batches
                options = tf.data.Options()
                options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
                dataset = dataset.with_options(options)
                self.iterators[name] = iter(self.strategy.experimental_distribute_dataset(dataset))
        return self.iterators[name]

    # --- the loop -------------------------------------------------------------------------------------
    def run(self):
        """Trains up to train_steps; returns {problem: last eval result}. Frees the run folder after."""
        try:
            return self._run()
        finally:
            self.release()

    def _run(self):
        config = self.config
        step = start = int(self.step.numpy())
        if start >= config.train_steps:
            self.progress.note(f"already trained to step {start} (--train_steps={config.train_steps})")
        results = {}
        while step < config.train_steps:
            name = self.sampler.problem_at(step)
            traced_as = self.steps.traced_as(name) or name
            traces, began = self.steps.trace_counts[traced_as], time.perf_counter()
            outputs = self.steps.train(name)(self._iterator(name, start), tf.constant(step + 1, tf.int64))
            outputs = {k: float(v) for k, v in outputs.items()}
            compiled = time.perf_counter() - began if self.steps.trace_counts[traced_as] > traces else None
            loss = outputs["loss"] + outputs["aux_loss"]
            if not math.isfinite(loss):
                self._stop_on_bad_loss(step + 1, name, f"training loss became {loss}")
            if not math.isfinite(outputs.get("grad_norm", 0.0)):  # the update just applied them
                self._stop_on_bad_loss(step + 1, name, f"the gradient norm became {outputs['grad_norm']}")
            step += 1
            self.step.assign(step)
            self.summaries.train(step, name, outputs)
            self.progress.step(step, name, outputs["loss"], outputs["examples"], compiled)
            if step % GIVE_BACK_EVERY == 0:   # kept memory fragments: its free pages go back now and then
                host_memory.give_back_free_memory()
            if config.eval_every and step % config.eval_every == 0 and step < config.train_steps:
                results.update(self.evaluate(step))
            if config.save_every and step % config.save_every == 0 and step < config.train_steps:
                self.save(step)
        if step > start or not self.keeper.latest():
            self.save(step)
        self._release_training_functions()
        results.update(self.evaluate(step, final=True))
        if config.export:
            self.export()
        self.summaries.close()
        return results

    def _release_training_functions(self):
        """Training and saving are over: the compiled steps and the training input pipelines (their
        shuffle buffers) go before the final eval builds its own functions, so the run's peak memory is
        not their sum (docs/TRAINING.md)."""
        self.steps.release_training()
        self.iterators.clear()
        gc.collect()
        host_memory.give_back_free_memory()

    def _stop_on_bad_loss(self, step, name, what):
        latest = self.keeper.latest()
        kept = (f"the last good checkpoint {latest} is kept: its state was checked before it was saved"
                if latest else "no checkpoint had been saved yet")
        raise NonFiniteLossError(
            f"{what} at step {step} on problem {name}; stopped without saving ({kept}). Lower the learning rate (e.g. --hparams='learning_rate=...'), raise the warmup "
            f"(learning_rate_warmup_steps), or check {name}'s data.")

    def evaluate(self, step, final=False):
        """Every problem on its dev split. The final eval goes kind by kind (problems that share compiled
        functions together) and drops each kind's eval and decode functions after its last problem, so
        it holds one kind's at a time; evals during training keep them for the next round."""
        if not self.is_chief or self.config.eval_steps == 0:
            return {}
        results = {}
        kinds = {}
        for name in self.problems:
            kinds.setdefault(self.steps.share_key(name), []).append(name)
        for kind, names in kinds.items():
            for name in names:
                result = self.evaluator.evaluate(name)
                if result:
                    self.summaries.eval(step, name, result)
                    self.progress.eval(step, name, result)
                    results[name] = result
            if final:
                self.evaluator.release(kind)
                gc.collect()
        self._plot_curves()
        self.progress.restart_clock()
        return results

    def _plot_curves(self):
        """output_dir/dev_metrics.png after every eval round; a plotting failure only warns."""
        try:
            path = curves.write(self.config.output_dir)
        except Exception as exc:  # matplotlib missing or broken must not stop training
            self.progress.note(f"(learning-curve plot skipped: {type(exc).__name__}: {exc})")
            return None
        return path

    def save(self, step):
        """Saves after the guard checked the UPDATED state (see guard.py); a bad state is never saved."""
        bad = self.guard.problem_with_state(self.sampler.problem_at(step))
        if bad:
            self._stop_on_bad_loss(step, self.sampler.problem_at(step - 1) if step else "-", bad)
        try:
            path = self.keeper.save(step)
        except (OSError, tf.errors.OpError) as exc:   # disk full, folder gone or made read-only
            reason = run_folder.describe_os_error(exc) if isinstance(exc, OSError) else \
                (str(exc.message).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise UserError(
                f"saving {self.config.output_dir}/{checkpoints.PREFIX}-{int(step)} failed: {reason}. Free space "
                "or fix the folder, then run the same command again to resume from the last checkpoint "
                f"({self.keeper.latest() or 'none saved yet'})") from exc
        self.progress.saved(path)
        self.progress.restart_clock()
        return path

    def export(self):
        from t2t_mm.decoding import export as export_lib  # lazy: only runs with --export
        path = export_lib.export_saved_model(self.model, self.specs, self.config.output_dir, self.hparams)
        self.progress.note(f"exported SavedModel {path}")
        return path
