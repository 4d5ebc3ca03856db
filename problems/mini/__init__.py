"""The mini suite: nine small generated problems mirroring the paper's (plus German-French), built
offline and deterministically by `mm-datagen --problem=mini_suite`; trained jointly in minutes on a CPU."""
from t2t_mm import registry

from t2t_mm.problems.mini import images, parsing, speech, translation  # noqa: F401

MINI_SUITE = ("mini_translate_ende", "mini_translate_deen", "mini_translate_enfr", "mini_translate_fren",
              "mini_translate_defr", "mini_parsing", "mini_image_classes", "mini_image_captions",
              "mini_speech")

registry.register_mixture("mini_suite", {name: 1.0 for name in MINI_SUITE})
