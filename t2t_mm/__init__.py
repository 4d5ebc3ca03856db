"""t2t_mm: Tensor2Tensor's workflow and MultiModel on TensorFlow 2 / Keras 3."""
__version__ = "0.1.0"
