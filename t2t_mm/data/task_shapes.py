"""Problem base classes by task shape; a user problem subclasses one and writes generate_samples.

    text -> text    TextToTextProblem     {"inputs": str, "targets": str}
    image -> class  ImageToClassProblem   {"image": PNG/JPEG bytes or uint8 [H, W, 3], "label": int}
    image -> text   ImageToTextProblem    {"image": ..., "targets": str}
    audio -> text   AudioToTextProblem    {"audio": float32 [S], "sample_rate": int, "targets": str}

A reversed translation direction is a two-line subclass (``reverse = True`` plus its target_space)
or one call: ``register_reversed(TranslateEnglishToPirate, "english")`` registers
``translate_english_to_pirate_rev``.
"""
from t2t_mm import registry
from t2t_mm.data.codecs import AudioCodec, ClassLabelCodec, ImageCodec, TextCodec
from t2t_mm.data.problem import Problem


class TextToTextProblem(Problem):
    input_modality = "symbol"
    target_modality = "symbol"
    eval_metrics = ("accuracy", "log_perplexity", "bleu")
    input_codec = TextCodec("inputs")
    target_codec = TextCodec("targets")
    reverse = False                # True: inputs and targets of generate_samples are swapped

    def serialize(self, sample, vocab):
        if self.reverse:
            sample = dict(sample, inputs=sample["targets"], targets=sample["inputs"])
        return super().serialize(sample, vocab)


class ImageToClassProblem(Problem):
    input_modality = "image"
    target_modality = "class_label"
    target_space = "class"
    eval_metrics = ("accuracy", "accuracy_top5")
    input_codec = ImageCodec()
    target_codec = ClassLabelCodec()


class ImageToTextProblem(Problem):
    input_modality = "image"
    target_modality = "symbol"
    target_space = "english"
    eval_metrics = ("accuracy", "log_perplexity", "bleu")
    input_codec = ImageCodec()
    target_codec = TextCodec("targets")


class AudioToTextProblem(Problem):
    input_modality = "audio_spectral"
    target_modality = "symbol"
    target_space = "english"
    eval_metrics = ("accuracy", "log_perplexity", "wer", "cer")
    input_codec = AudioCodec()
    target_codec = TextCodec("targets")


def reversed_problem(problem_class, target_space, name=None):
    """A subclass of a text->text problem class that swaps its inputs and targets."""
    if not issubclass(problem_class, TextToTextProblem):
        raise TypeError(f"only text->text problems can be reversed, not {problem_class.__name__}")
    attrs = {"reverse": not problem_class.reverse, "target_space": target_space,
             "__doc__": f"{problem_class.__name__} with inputs and targets swapped.",
             "__module__": problem_class.__module__}
    return type(name or f"{problem_class.__name__}Rev", (problem_class,), attrs)


def register_reversed(problem_class, target_space, name=None):
    """Registers the reversed direction as <registered name>_rev (or name) and returns the class."""
    base = getattr(problem_class, "registered_name", None) or problem_class.__name__
    cls = reversed_problem(problem_class, target_space)
    return registry.register_problem(name or f"{base}_rev")(cls)
