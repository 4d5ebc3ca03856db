"""The MultiModel (Kaiser et al. 2017): modality nets around one shared body.

    inputs --(input modality net)--> Encoder --> encoded
    [command token, targets[:-1]] --(Mixer over encoded)--> Decoder --(output modality net)--> logits

Modality nets are shared per domain: one "symbol" net (the ONE shared vocabulary) serves every text
problem, one "image" net every image problem, one "class_label" net per number of classes. The first
decoder position is the learned embedding of the problem's target space (the command token, a table
of hparams max_target_spaces rows, scaled like the token embeddings), so position t predicts
targets[:, t] from it and targets[:, :t]. Class-label problems run no decoder: the class net (Xception's
exit flow with global average pooling) reads the encoder's feature map, reshaped back to its 2-D grid
for image inputs (as Tensor2Tensor did), and maps it to [B, C].

    model = registry.model("multimodel")(hparams, specs)
    logits = model(features, problem="translate_ende_wmt8k", training=True)
    model.losses         # the MoE balancing losses of that call
    model.moe_stats()    # per MoE layer: expert_load [E], dropped_fraction
"""
import dataclasses
import math

import keras
import tensorflow as tf
from keras import ops

from t2t_mm import naming, registry
from t2t_mm.errors import UserError
from t2t_mm.hparams import HParams
from t2t_mm.layers.composite import collection_children
from t2t_mm.models.body import Decoder, Encoder, Mixer
from t2t_mm.spec import ProblemSpec


def _net_key(modality_name, spec):
    return f"{modality_name}_{spec.num_classes}" if modality_name == "class_label" else modality_name


@registry.register_model("multimodel")
@keras.saving.register_keras_serializable("t2t_mm")
class MultiModel(keras.Model):
    def __init__(self, hparams, specs, **kwargs):
        super().__init__(**kwargs)
        self.hparams = hparams.copy() if isinstance(hparams, HParams) else HParams(**hparams)
        self.specs = {s.name: s for s in (ProblemSpec(**s) if isinstance(s, dict) else s for s in specs)}
        if not self.specs:
            raise UserError("MultiModel needs at least one problem spec (--problems=...)")
        hp = self.hparams.values()
        self._check_specs(hp)
        self.modality_nets = {}
        self.problem_nets = {}
        for spec in self.specs.values():
            self.problem_nets[spec.name] = (self._net(spec.input_modality, spec, "input"),
                                            self._net(spec.target_modality, spec, "target"))
        self.command_embedding = keras.layers.Embedding(hp["max_target_spaces"], hp["hidden_size"],
                                                        name="command_tokens")
        self.encoder = Encoder(hp, name="encoder")
        self.mixer = Mixer(hp, name="mixer")
        self.decoder = Decoder(hp, name="decoder")

    # ---- construction -------------------------------------------------------------------------
    def _check_specs(self, hp):
        vocab_sizes = {s.vocab_size for s in self.specs.values()
                       if "symbol" in (s.input_modality, s.target_modality)}
        if len(vocab_sizes) > 1:
            raise UserError(f"text problems disagree on the shared vocabulary size ({sorted(vocab_sizes)}): "
                            "all of them must use the one vocabulary in --data_dir (rerun mm-datagen)")
        for spec in self.specs.values():
            if not 0 <= spec.target_space_id < hp["max_target_spaces"]:
                raise UserError(f"problem '{spec.name}' has target_space_id {spec.target_space_id}, outside "
                                f"the command-token table of {hp['max_target_spaces']} rows: raise "
                                f"--hparams='max_target_spaces=...'")

    def _net(self, modality_name, spec, side):
        cls = registry.modality(modality_name)
        if side == "input" and not cls.is_input:
            raise UserError(f"problem '{spec.name}': '{modality_name}' is not an input modality")
        if side == "target" and (not cls.is_output or modality_name not in ("symbol", "class_label")):
            raise UserError(f"problem '{spec.name}': target modality must be 'symbol' or 'class_label', "
                            f"got '{modality_name}'")
        key = _net_key(modality_name, spec)
        if key not in self.modality_nets:
            size = spec.num_classes if modality_name == "class_label" else spec.vocab_size
            self.modality_nets[key] = cls(self.hparams.values(), size, name=key)
        return key

    def _spec(self, problem):
        if problem is None:
            if len(self.specs) == 1:
                return next(iter(self.specs.values()))
            raise UserError(f"this model serves several problems; pass problem=NAME, one of {sorted(self.specs)}")
        if problem not in self.specs:
            raise UserError(f"the model was not built for problem '{problem}'."
                            f"{naming.did_you_mean(problem, self.specs)} Built for: {sorted(self.specs)}")
        return self.specs[problem]

    def build(self, input_shape=None):
        """Sublayers build on first use; build_all() creates every problem's variables."""
        self.built = True

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        children = super()._trackable_children(save_type, **kwargs)
        return collection_children(self, children, save_type)   # modality_nets for tf checkpoints

    # ---- the computation ----------------------------------------------------------------------
    def encode(self, features, problem=None, training=False):
        """-> {"encoded": [B, S, H], "padding_mask": float32 [B, S], "target_space_id": int32 [B]}."""
        spec = self._spec(problem)
        if "inputs" not in features:
            raise UserError(f"problem '{spec.name}': features need 'inputs' (got {sorted(features)})")
        inputs = ops.convert_to_tensor(features["inputs"])
        x, mask = self.modality_nets[self.problem_nets[spec.name][0]](inputs, role="bottom", training=training)
        encoded = self.encoder(x, mask, training=training)
        if "target_space_id" in features:
            space = ops.cast(ops.reshape(ops.convert_to_tensor(features["target_space_id"]), (-1,)), "int32")
        else:
            space = ops.full((ops.shape(inputs)[0],), spec.target_space_id, "int32")
        return {"encoded": encoded, "padding_mask": mask, "target_space_id": space}

    def decode(self, encoded, targets=None, problem=None, training=False, real_targets_only=False):
        """Text: logits [B, L, V], position t predicting targets[:, t]; class: logits [B, C].

        real_targets_only (text): logits [N, V] of the N real (non-0) targets only, in row-major order
        (t2t_mm.training.losses.real_targets(targets) are their labels). The output layer and the loss
        then skip the padding: 30-40% of a bucketed batch's positions, and the [positions, V] softmax
        is the largest cost of a text step. Dynamic N: not for XLA."""
        spec = self._spec(problem)
        out_net = self.modality_nets[self.problem_nets[spec.name][1]]
        enc, enc_mask = encoded["encoded"], encoded["padding_mask"]
        if not spec.text_targets:
            return out_net(self._feature_map(spec, enc, enc_mask), role="top", training=training)
        scale = float(self.hparams.hidden_size) ** 0.5   # as the token embeddings (SymbolModality)
        command = ops.cast(self.command_embedding(encoded["target_space_id"]) * scale, enc.dtype)[:, None, :]
        if targets is None:
            raise UserError(f"problem '{spec.name}' has text targets: decode() needs targets [B, L]")
        targets = ops.convert_to_tensor(targets)
        embedded = ops.cast(out_net(targets, role="targets_bottom"), enc.dtype)
        shifted = ops.concatenate([command, embedded[:, :-1]], axis=1)
        real = ops.cast(ops.not_equal(targets[:, :-1], 0), "float32")
        target_mask = ops.concatenate([ops.ones_like(real[:, :1]), real], axis=1)
        mixed = self.mixer(shifted, enc, enc_mask, training=training)
        decoded = self.decoder(mixed, enc, enc_mask, target_mask, training=training)
        if real_targets_only:
            decoded = tf.boolean_mask(decoded, ops.not_equal(targets, 0))
        return out_net(decoded, role="top", training=training)

    # ---- incremental decoding ---------------------------------------------------------------
    def init_decode_cache(self, encoded, max_length, problem=None):
        """The cache of step-by-step decoding (inference) for outputs of up to max_length positions:
        {"source": what every step reads and no step changes (the mixer's and decoder's projected
        source keys/values), "state": per-row tensors (first axis = the rows of `encoded`) that
        decode_step advances: each causal conv step's last (kernel - 1) * dilation inputs, each causal
        self-attention's keys/values of earlier positions, the decoder MoE's per-expert counts}."""
        spec = self._spec(problem)
        if not spec.text_targets:
            raise UserError(f"problem '{spec.name}' has class targets: it runs no decoder to step")
        enc, enc_mask = encoded["encoded"], encoded["padding_mask"]
        if not (self.mixer.merge.built and self.modality_nets[self.problem_nets[spec.name][1]].built):
            self.decode(encoded, ops.zeros((ops.shape(enc)[0], 1), "int32"), problem=spec.name)  # builds
        batch = ops.shape(enc)[0]
        length = max_length if tf.is_tensor(max_length) else int(max_length)   # a tensor: one trace, any length
        return {"source": {"mixer": self.mixer.source_cache(enc, enc_mask),
                           "decoder": self.decoder.source_cache(enc, enc_mask)},
                "state": {"mixer": self.mixer.init_state(batch, length, enc.dtype),
                          "decoder": self.decoder.init_state(batch, length, enc.dtype)}}

    def decode_step(self, encoded, cache, previous, position, problem=None):
        """decode()'s logits at one position, from the cache instead of the whole prefix:
        previous int32 [B] = targets[:, position - 1] (ignored at position 0, which reads the command
        token), position a scalar below init_decode_cache's max_length -> (logits float32 [B, V],
        cache advanced by one position). Steps must come in order 0, 1, 2, ... (inference only)."""
        spec = self._spec(problem)
        out_net = self.modality_nets[self.problem_nets[spec.name][1]]
        enc, enc_mask = encoded["encoded"], encoded["padding_mask"]
        scale = float(self.hparams.hidden_size) ** 0.5
        command = ops.cast(self.command_embedding(encoded["target_space_id"]) * scale, enc.dtype)
        previous = ops.cast(ops.reshape(previous, (-1,)), "int32")
        embedded = ops.cast(out_net(previous[:, None], role="targets_bottom"), enc.dtype)[:, 0]
        first = ops.equal(position, 0)
        x = ops.where(first, command, embedded)[:, None, :]
        valid = ops.where(first, ops.ones_like(previous, "float32"),
                          ops.cast(ops.not_equal(previous, 0), "float32"))
        source, state = cache["source"], cache["state"]
        mixed, mixer_state = self.mixer.step(x, position, state["mixer"], source["mixer"], enc_mask)
        decoded, decoder_state = self.decoder.step(mixed, position, valid, state["decoder"],
                                                   source["decoder"], enc_mask)
        logits = out_net(decoded, role="top")[:, 0]
        return ops.cast(logits, "float32"), {"source": source,
                                             "state": {"mixer": mixer_state, "decoder": decoder_state}}

    def _feature_map(self, spec, encoded, mask):
        """(map [B, H, W, d], mask [B, H, W]) for the class net: the image's grid when the input is an
        image with a square grid, else the sequence as an H x 1 map."""
        length = encoded.shape[1]
        side = math.isqrt(length) if length else 0
        if spec.input_modality == "image" and side * side == length:
            grid = (side, side)
        else:
            grid = (-1, 1)
        b, d = ops.shape(encoded)[0], encoded.shape[-1]
        return ops.reshape(encoded, (b, *grid, d)), ops.reshape(mask, (b, *grid))

    def call(self, features, problem=None, training=False, real_targets_only=False):
        encoded = self.encode(features, problem, training)
        return self.decode(encoded, features.get("targets"), problem, training, real_targets_only)

    # ---- utilities ----------------------------------------------------------------------------
    def step_key(self, problem):
        """Problems with equal keys run identical graphs (the command token comes from the batch's
        target_space_id), so the trainer compiles one step for all of them."""
        return self.problem_nets[self._spec(problem).name]

    def moe_layers(self):
        return [layer for layer in (self.encoder.moe, self.decoder.moe) if layer is not None]

    def moe_stats(self, problem=None):
        """{"encoder/moe": {"expert_load": [E] share of routed (token, choice) pairs, "dropped_fraction"}}
        of the last call (of `problem`: class problems use no decoder); empty with use_moe=False."""
        layers = [("encoder", self.encoder.moe)]
        if problem is None or self._spec(problem).text_targets:
            layers.append(("decoder", self.decoder.moe))
        return {f"{owner}/moe": {"expert_load": tf.identity(layer.expert_load.value),
                                 "dropped_fraction": tf.identity(layer.dropped_fraction.value)}
                for owner, layer in layers if layer is not None}

    def dummy_features(self, problem, batch=2):
        """A tiny numpy batch for `problem` in the data contract's layout."""
        spec = self._spec(problem)
        in_net, out_net = (self.modality_nets[k] for k in self.problem_nets[spec.name])
        return {"inputs": in_net.dummy_inputs(batch), "targets": out_net.dummy_targets(batch),
                "target_space_id": ops.convert_to_numpy(ops.full((batch,), spec.target_space_id, "int32"))}

    def build_all(self, batch=2):
        """Runs a dummy batch through every problem so that every variable exists (checkpoints hold all)."""
        for name in self.specs:
            self(self.dummy_features(name, batch), problem=name, training=False)
        return self

    def get_config(self):
        return {"name": self.name, "hparams": self.hparams.values(),
                "hparams_set": self.hparams.set_name,
                "specs": [dataclasses.asdict(s) for s in self.specs.values()]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        hp = HParams(**config.pop("hparams"))
        hp.set_name = config.pop("hparams_set", "custom")
        return cls(hp, config.pop("specs"), **config)
