"""SavedModel export: one serving signature per problem, named after the problem.

Each signature takes already preprocessed `inputs` (text: int32 ids [B, L] ending in EOS, 0-padded;
image: float32 [B, S, S, 3] standardized; audio: float32 [B, samples]) -- what features.py makes from
raw inputs -- and returns decoded ids and scores (text targets) or the top-k classes and their
probabilities (class targets). The command token is fixed per signature. Plain TensorFlow loads it:
tf.saved_model.load(path).signatures["<problem>"](inputs=...).
"""
import json
import os
import shutil

import tensorflow as tf

from t2t_mm import registry
from t2t_mm.compiled import graph_function
from t2t_mm.decoding.decode_hparams import default_decode_hparams, max_decode_length
from t2t_mm.decoding.decoder import make_decode_fn
from t2t_mm.decoding.features import serving_input_spec
from t2t_mm.training import run_folder

INFO_FILE = "t2t_mm_export.json"


def _signature(model, spec, problem, decode_hp, max_length):
    decode = make_decode_fn(model, spec, decode_hp, max_length)

    def serve(inputs):
        batch = tf.shape(inputs)[0]
        return decode({"inputs": inputs, "target_space_id": tf.fill([batch], spec.target_space_id)})

    return graph_function(serve, input_signature=[serving_input_spec(problem)]).get_concrete_function()


def export_saved_model(model, specs, output_dir, hparams, export_dir=None, decode_hparams=None):
    """Writes the SavedModel to export_dir (default <output_dir>/export), replacing an older export
    only once the new one is complete; returns its path. specs: ProblemSpecs (list or {name: spec})."""
    specs = list(specs.values()) if isinstance(specs, dict) else list(specs)
    decode_hp = decode_hparams or default_decode_hparams()
    max_length = max_decode_length(decode_hp, hparams)
    export_dir = os.path.abspath(export_dir or run_folder.export_dir(output_dir))
    module = tf.Module()
    # The variables, not the keras.Model itself: saving a Keras 3 model as a child traces its default
    # serving signature, model(inputs), which a multi-problem model cannot answer without a problem.
    module.model_variables = list(model.variables)
    signatures, info = {}, {"problems": {}, "decode_hparams": decode_hp.values(), "max_length": max_length}
    for spec in specs:
        problem = registry.problem(spec.name)
        signatures[spec.name] = _signature(model, spec, problem, decode_hp, max_length)
        info["problems"][spec.name] = {
            "inputs": problem.input_kind, "targets": "text" if spec.text_targets else "class",
            "target_space_id": spec.target_space_id,
            "outputs": ["outputs", "scores"] if spec.text_targets else ["classes", "probabilities"]}
    if len(signatures) == 1:
        signatures["serving_default"] = next(iter(signatures.values()))
    staging = export_dir + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    tf.saved_model.save(module, staging, signatures=signatures)
    with open(os.path.join(staging, INFO_FILE), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)
    if os.path.exists(export_dir):
        shutil.rmtree(export_dir)
    os.replace(staging, export_dir)
    return export_dir
