"""The real problems: the MultiModel paper's corpora read in the formats their owners ship them.

See docs/DATA.md for where each corpus comes from, its licence and the mm-datagen command.
"""
from t2t_mm import registry

from t2t_mm.problems.real import images, parsing, speech, translation  # noqa: F401

# The paper's eight tasks (Kaiser et al. 2017, Table 1), trained jointly.
REAL_EIGHT = ("translate_ende_wmt8k", "translate_deen_wmt8k", "translate_enfr_wmt8k", "translate_fren_wmt8k",
              "image_imagenet", "image_ms_coco_captions", "speech_wsj", "parsing_wsj")

registry.register_mixture("multimodel_eight", {name: 1.0 for name in REAL_EIGHT})
