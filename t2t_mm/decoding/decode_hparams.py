"""--decode_hparams: typed decode settings, parsed and checked like --hparams (t2t_mm.hparams.HParams),
so 'beam_sise=4' or 'beam_size=four' get the same kind of error, with a suggestion."""
from t2t_mm.errors import HParamsError
from t2t_mm.hparams import HParams


def default_decode_hparams():
    hp = HParams(
        beam_size=4,        # 1 = greedy; T2T's default decode used 4 beams
        alpha=0.6,          # GNMT length penalty exponent; 0 ranks by log-probability alone
        max_length=0,       # longest output in tokens (EOS included); 0 = the model's hparams.max_length
        batch_size=8,       # inputs decoded together
        top_k=5,            # classes shown per input for class targets
        use_cache=True,     # one position per search step from the model's decode cache; False re-runs
                            # the decoder over the whole prefix every step (the reference path)
    )
    hp.set_name = "decode_hparams"
    return hp


def decode_hparams(overrides=""):
    """Defaults with 'key=value,...' overrides applied; range errors name the flag."""
    hp = default_decode_hparams().parse(overrides)
    for key, low in (("beam_size", 1), ("batch_size", 1), ("top_k", 1), ("max_length", 0)):
        if getattr(hp, key) < low:
            raise HParamsError(f"--decode_hparams: {key}={getattr(hp, key)} must be >= {low}")
    if hp.alpha < 0:
        raise HParamsError(f"--decode_hparams: alpha={hp.alpha} must be >= 0 (0 turns the length "
                           "penalty off)")
    return hp


def max_decode_length(decode_hp, model_hparams):
    """decode_hp.max_length, or the model's training max_length when that is 0."""
    if decode_hp.max_length:
        return int(decode_hp.max_length)
    if "max_length" in model_hparams:
        return int(model_hparams.max_length)
    raise HParamsError("set the longest decode with --decode_hparams='max_length=N' (the model's "
                       "hparams have no max_length)")
