"""Problems of one kind (the model's step_key) share one compiled decode: the eval's greedy decodes and
mm-decoder's decode functions are traced once per kind, not once per problem."""
from types import SimpleNamespace

import tensorflow as tf

from decoding_fakes import A, B, EOS, START, BigramModel, bigram_table, features
from t2t_mm.decoding.decode_hparams import decode_hparams
from t2t_mm.decoding.decoder import CompiledDecodeFns
from t2t_mm.training.decode_eval import DecodeScorer


TABLE = {START: {A: 0.6, B: 0.4}, A: {EOS: 0.9}, B: {EOS: 0.9}}


class KindModel(BigramModel):
    """A bigram model serving problems 'en', 'de' (kind 'text') and 'img' (kind 'image')."""

    def step_key(self, problem):
        return "image" if problem == "img" else "text"


def test_eval_decodes_share_a_compiled_function_per_kind_whatever_the_length():
    scorer = DecodeScorer(KindModel(bigram_table(TABLE)), "unused", SimpleNamespace(max_length=64))
    first = scorer._decoder("en", None)
    assert scorer._decoder("de", None) is first and scorer._decoder("fr", None) is first
    assert scorer._decoder("img", None) is not first
    assert [scorer._length("en", 10), scorer._length("de", 20), scorer._length("fr", 30)] == [32, 32, 48]
    assert scorer._length("en", 50) == 32                # a problem keeps the length of its first eval
    assert scorer._length("long", 200) == 64             # capped by hparams.max_length
    out = [first(features([0]), tf.constant(length))["ids"].numpy() for length in (3, 5)]
    assert [o.shape[1] for o in out] == [3, 5] and first.experimental_get_tracing_count() == 1


def test_mm_decoder_traces_one_beam_search_for_problems_of_one_kind():
    model = KindModel(bigram_table(TABLE))
    fns = CompiledDecodeFns(model, decode_hparams("beam_size=2"), max_length=6)
    spec = lambda name: SimpleNamespace(name=name, text_targets=True)
    shared = fns.get(spec("en"))
    assert fns.get(spec("de")) is shared and fns.get(spec("img")) is not shared
    first, second = shared(features([0])), shared(features([0]))
    assert first["outputs"].numpy().tolist() == second["outputs"].numpy().tolist()
    assert shared.experimental_get_tracing_count() == 1 and model.encode_calls == 1
