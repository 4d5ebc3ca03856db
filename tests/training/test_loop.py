"""The training loop on one device with the fake problems: compiled steps stay compiled, untouched
modality nets and their Adam moments stay put, the NaN guard, and what a run leaves in output_dir."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from training_helpers import TINY, fake_config
from t2t_mm.training import optimizer as optimizer_lib
from t2t_mm.training import trainer


def _snapshot(variables, adam):
    return {v.path: (np.array(v.numpy()), *(np.array(s.numpy()) for s in adam.slots(v))) for v in variables}


def _event_tags(output_dir):
    from tensorflow.core.util import event_pb2
    tags = set()
    for name in os.listdir(output_dir):
        if name.startswith("events.out.tfevents"):
            for record in tf.data.TFRecordDataset(os.path.join(output_dir, name)):
                tags.update(v.tag for v in event_pb2.Event.FromString(record.numpy()).summary.value)
    return tags


def test_one_trace_per_problem_over_many_steps_and_bucket_shapes(fakes, tmp_path):
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=40, eval_steps=0))
    run.run()
    # two problems, fake_text_copy with two bucket lengths: still one trace each
    assert dict(run.steps.trace_counts) == {"fake_text_copy": 1, "fake_image_class": 1}
    assert not run.steps._train   # released before the final eval


def test_on_one_cpu_the_training_batches_come_from_plain_tf_data_iterators(fakes, tmp_path):
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=4, eval_steps=0))
    kinds, release = [], run._release_training_functions
    run._release_training_functions = lambda: kinds.extend(
        type(i).__name__ for i in run.iterators.values()) or release()
    run.run()
    assert kinds and set(kinds) == {"OwnedIterator"}


def test_free_heap_pages_go_back_every_give_back_every_steps_and_before_the_final_eval(fakes, tmp_path,
                                                                                         monkeypatch):
    given_back = []
    monkeypatch.setattr(trainer, "GIVE_BACK_EVERY", 3)
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=7, eval_steps=0))
    monkeypatch.setattr(trainer.host_memory, "give_back_free_memory",
                        lambda: given_back.append((int(run.step.numpy()), len(run.steps._train))))
    run.run()
    assert given_back == [(3, 2), (6, 2), (7, 0)]   # steps 3 and 6, then with the training steps gone


def test_the_final_eval_runs_after_the_training_functions_are_released(fakes, tmp_path):
    """The run's peak memory is not the compiled training steps plus the final eval's functions."""
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=4, eval_steps=1))
    held = []
    evaluate = run.evaluate
    run.evaluate = lambda step, final=False: held.append(
        (len(run.steps._train), len(run.iterators), final)) or evaluate(step, final)
    results = run.run()
    assert held == [(0, 0, True)] and results


def test_the_final_eval_holds_one_kind_of_functions_at_a_time(fakes, tmp_path):
    """The final eval drops each kind's eval step and decodes after its last problem; an eval during
    training keeps them for the next round."""
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=4, eval_every=2, eval_steps=1))
    held, evaluate = [], run.evaluator.evaluate

    def evaluating(name):
        held.append((int(run.step.numpy()), name, sorted(run.steps._eval), sorted(run.evaluator.decoder._decoders)))
        return evaluate(name)

    run.evaluator.evaluate = evaluating
    for name in ("fake_image_class", "fake_text_copy"):   # neither decodes: stand-ins for their decodes
        run.evaluator.decoder._decoders[name] = object()
    results = run.run()
    assert sorted(results) == ["fake_image_class", "fake_text_copy"]
    at_two = [h for h in held if h[0] == 2]
    at_four = [h for h in held if h[0] == 4]
    first, second = [h[1] for h in at_four]
    assert [h[1] for h in at_two] == [first, second]
    assert at_two[1][2] == [first]                                # during training: kept
    assert at_four[0][2] == sorted([first, second])                # the in-training eval's, reused
    assert at_four[1][2] == [second]                               # final: the first kind's are gone
    assert at_four[0][3] == sorted([first, second])
    assert at_four[1][3] == [second]
    assert not run.steps._eval and not run.evaluator.decoder._decoders


def test_untouched_modality_keeps_weights_and_moments(fakes, tmp_path):
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=0, eval_steps=0))
    for step, name in enumerate(["fake_image_class", "fake_text_copy", "fake_image_class"], start=1):
        run.steps.train(name)(run._iterator(name, 0), tf.constant(step, tf.int64))
    image_vars = [v for v in run.model.trainable_variables if "image_encoder" in v.path or "class_head" in v.path]
    text_vars = [v for v in run.model.trainable_variables if "text_" in v.path]
    assert image_vars and text_vars
    before_image, before_text = _snapshot(image_vars, run.optimizer), _snapshot(text_vars, run.optimizer)
    assert all(m.any() for _, m, _ in before_image.values())  # image nets did train before
    for step in range(4, 10):
        run.steps.train("fake_text_copy")(run._iterator("fake_text_copy", 0), tf.constant(step, tf.int64))
    after_image, after_text = _snapshot(image_vars, run.optimizer), _snapshot(text_vars, run.optimizer)
    for path, arrays in before_image.items():
        for before, after in zip(arrays, after_image[path]):
            np.testing.assert_array_equal(before, after, err_msg=path)
    assert any(not np.array_equal(before_text[p][0], after_text[p][0]) for p in before_text)


def test_training_lowers_the_loss_and_writes_its_records(fakes, tmp_path):
    out = tmp_path / "run"
    run = trainer.Trainer(fake_config(out, problems="fake_image_class", train_steps=30, eval_every=15,
                                      save_every=10, keep_checkpoint_max=2))
    first = run.evaluator.evaluate("fake_image_class")["log_ppl"]
    results = run.run()
    assert results["fake_image_class"]["log_ppl"] < first
    assert 0.0 <= results["fake_image_class"]["top1"] <= results["fake_image_class"]["top5"] <= 1.0
    assert json.load(open(out / "hparams.json"))["values"]["hidden_size"] == 16
    records = [json.loads(line) for line in open(out / "metrics.jsonl")]
    assert [r["step"] for r in records] == [15, 30]
    assert records[-1]["moe"]["layer_0/expert_load"] and "top5" in records[-1]
    tags = _event_tags(out)
    for tag in ("fake_image_class/train/loss", "fake_image_class/eval/top1", "fake_image_class/eval/top5",
                "fake_image_class/moe/layer_0_expert_load", "fake_image_class/moe/layer_0_dropped_fraction"):
        assert tag in tags, sorted(tags)
    assert tf.train.latest_checkpoint(str(out)).endswith("ckpt-30")
    assert sorted(n for n in os.listdir(out) if n.endswith(".index")) == ["ckpt-20.index", "ckpt-30.index"]


def test_nan_loss_stops_with_step_and_problem_and_keeps_last_good_checkpoint(fakes, tmp_path):
    out = tmp_path / "run"
    trainer.Trainer(fake_config(out, problems="fake_text_copy", train_steps=4, save_every=2)).run()
    good = tf.train.latest_checkpoint(str(out))
    run = trainer.Trainer(fake_config(out, problems="fake_text_copy,fake_text_nan", train_steps=50))
    bad_step = next(s for s in range(4, 50) if run.sampler.problem_at(s) == "fake_text_nan") + 1
    with pytest.raises(trainer.NonFiniteLossError) as err:
        run.run()
    message = str(err.value)
    assert f"at step {bad_step} on problem fake_text_nan" in message and "ckpt-4" in message
    assert tf.train.latest_checkpoint(str(out)) == good
    assert not any(f"ckpt-{s}.index" in os.listdir(out) for s in range(5, 51))


def test_missing_data_names_the_datagen_command(tmp_path):
    from t2t_mm import plugins
    from t2t_mm.errors import UserError
    plugins.load_all()
    with pytest.raises(UserError, match="mm-datagen --problem=mini_image_classes"):
        trainer.Trainer(trainer.TrainConfig(problems="mini_image_classes", data_dir=str(tmp_path / "none"),
                                            output_dir=str(tmp_path / "out"), distribution="one_device"))


def test_resuming_with_another_model_shape_is_a_user_error(fakes, tmp_path):
    from t2t_mm.errors import UserError
    out = tmp_path / "run"
    trainer.Trainer(fake_config(out, problems="fake_text_copy", train_steps=2)).run()
    with pytest.raises(UserError, match="does not fit the model built now"):
        trainer.Trainer(fake_config(out, problems="fake_text_copy_8k", train_steps=4))


def test_proportional_mixing_uses_training_sizes_and_is_recorded(fakes, tmp_path):
    out = tmp_path / "run"
    run = trainer.Trainer(fake_config(out, problems="fake_text_copy,fake_text_copy_8k", train_steps=0,
                                      mixing="temperature", mixing_temperature=1.0))
    assert run.sampler.probs.tolist() == [0.5, 0.5]  # equal sizes
    type(run.problems["fake_text_copy_8k"]).train_size = 192
    try:
        run = trainer.Trainer(fake_config(out, problems="fake_text_copy,fake_text_copy_8k", train_steps=0,
                                          mixing="proportional"))
    finally:
        type(run.problems["fake_text_copy_8k"]).train_size = 64
    assert dict(zip(run.sampler.names, run.sampler.probs)) == {"fake_text_copy": 0.25, "fake_text_copy_8k": 0.75}
    assert json.load(open(out / "problems.json"))["weights"]["fake_text_copy_8k"] == 0.75


def test_text_first_steps_reach_the_sampler_for_text_input_problems_only(fakes, tmp_path):
    run = trainer.Trainer(fake_config(tmp_path / "run", train_steps=0, hparams=TINY + ",text_first_steps=30"))
    assert {run.sampler.problem_at(step) for step in range(30)} == {"fake_text_copy"}
    assert {run.sampler.problem_at(step) for step in range(30, 90)} == {"fake_text_copy", "fake_image_class"}
