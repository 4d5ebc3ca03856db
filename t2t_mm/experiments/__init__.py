"""Experiments: named lists of mm-trainer runs whose final evals fill tables (the paper's Tables 2-4 are
registered in t2t_mm.experiments.paper). `mm-experiment --experiment=NAME` runs one; docs/EXPERIMENTS.md.

Light on purpose (no TensorFlow, no matplotlib): plugins import these classes to register experiments."""
from t2t_mm.experiments.spec import (METRICS, Column, Experiment, Metric, PlannedRun, Row, Run, Table,  # noqa: F401
                                     build, plan, train_steps_for)
