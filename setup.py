"""Packaging. problems/, hparams/ and bin/ install under the t2t_mm namespace (t2t_mm.problems,
t2t_mm.hparams_sets, t2t_mm.bin), never as top-level packages, and register through the same
't2t_mm.plugins' entry points that third-party plugins use."""
from setuptools import find_packages, setup

LIBRARY = find_packages(include=["t2t_mm", "t2t_mm.*"])
MAPPED = {"t2t_mm.problems": "problems", "t2t_mm.hparams_sets": "hparams", "t2t_mm.bin": "bin"}


def mapped_packages():
    found = []
    for package, folder in MAPPED.items():
        found.append(package)
        found += [f"{package}.{sub}" for sub in find_packages(where=folder)]
    return found


setup(
    name="t2t-mm",
    version="0.1.0",
    description="Tensor2Tensor's workflow and MultiModel (One Model To Learn Them All) on TF2 / Keras 3",
    python_requires=">=3.10",
    packages=LIBRARY + mapped_packages(),
    package_dir={"": ".", **MAPPED},
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "tensorflow-datasets",
        "sentencepiece",
        "numpy",
        "six",
        "absl-py",
        "sacrebleu>=2.0",
        "soundfile",
        "pillow",
        "matplotlib",
        "tensorboard",   # the README's `tensorboard --logdir`: TensorFlow 2.21 no longer installs it
    ],
    extras_require={"test": ["pytest", "pytest-xdist"]},
    entry_points={
        "console_scripts": [
            "mm-datagen=t2t_mm.bin.mm_datagen:run",
            "mm-trainer=t2t_mm.bin.mm_trainer:run",
            "mm-decoder=t2t_mm.bin.mm_decoder:run",
            "mm-experiment=t2t_mm.bin.mm_experiment:run",
        ],
        "t2t_mm.plugins": [
            "builtin_models=t2t_mm.models",
            "builtin_problems=t2t_mm.problems",
            "builtin_hparams=t2t_mm.hparams_sets",
            "builtin_experiments=t2t_mm.experiments.paper",
        ],
    },
)
