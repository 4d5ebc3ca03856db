"""Helpers of the decoding tests: the test --usr_dir and a trained-looking output_dir (hparams.json +
a CheckpointManager checkpoint holding model=, optimizer=, step= as mm-trainer writes it)."""
import json
import os

USR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decoding_usr")
TEST_PROBLEMS = ["decoding_test_copy", "decoding_test_shapes", "decoding_test_speech"]


def build_trained_dir(output_dir, data_dir, problems=TEST_PROBLEMS, steps=3):
    """A model trained a few Adam steps on random batches, saved the way mm-trainer saves."""
    import tensorflow as tf
    import keras
    from t2t_mm import registry
    from t2t_mm.decoding.features import dummy_features
    from t2t_mm.training import run_folder

    hparams = registry.hparams("decoding_test_hparams")
    run_folder.write_hparams(output_dir, hparams)
    specs = {n: registry.problem(n).spec(data_dir) for n in problems}
    model = registry.model("decoding_test_model")(hparams, list(specs.values()))
    for name in problems:  # every problem's path once, then the optimizer over all (as the trainer does)
        model(dummy_features(registry.problem(name), specs[name], hparams), problem=name, training=True)
    optimizer = keras.optimizers.Adam(0.05)
    optimizer.build(model.trainable_variables)
    step = tf.Variable(0, dtype=tf.int64)
    for i in range(steps):
        for name in problems:
            features = dummy_features(registry.problem(name), specs[name], hparams)
            with tf.GradientTape() as tape:
                out = model(features, problem=name, training=True)
                loss = tf.reduce_mean(tf.square(out - 0.3 * i))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients([(g, v) for g, v in zip(grads, model.trainable_variables) if g is not None])
        step.assign_add(1)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model, optimizer=optimizer, step=step),
                                         output_dir, max_to_keep=2, checkpoint_name="ckpt")
    manager.save(checkpoint_number=int(step.numpy()))
    with open(os.path.join(output_dir, "problems.json"), "w") as f:   # what mm-trainer records
        json.dump({"problems": sorted(problems), "model": "decoding_test_model", "data_dir": data_dir}, f)
    return model, hparams, specs
