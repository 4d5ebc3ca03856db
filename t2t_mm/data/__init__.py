"""Problems and their data: the Problem API, mm-datagen's shards, the shared vocabulary, the input
pipeline. Importing this package does not import TensorFlow (the CLI stays fast until it needs it).

    from t2t_mm.data import TextToTextProblem
"""
from t2t_mm.data.data_errors import CorruptDataError, DataDirError, MissingDataError, VocabError
from t2t_mm.data.problem import Problem
from t2t_mm.data.task_shapes import (AudioToTextProblem, ImageToClassProblem, ImageToTextProblem,
                                     TextToTextProblem, register_reversed, reversed_problem)
from t2t_mm.data.target_spaces import command_token
from t2t_mm.data.vocab import EOS_ID, PAD_ID, Vocab

__all__ = ["Problem", "TextToTextProblem", "ImageToClassProblem", "ImageToTextProblem",
           "AudioToTextProblem", "register_reversed", "reversed_problem", "command_token", "Vocab",
           "PAD_ID", "EOS_ID", "MissingDataError", "CorruptDataError", "VocabError", "DataDirError"]
