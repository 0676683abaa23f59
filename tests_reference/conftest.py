"""Shared setup of the reference suite: ndflow against the real TensorFlow / Keras.

Run with ``make reference`` (``.venv-bench/bin/python -m pytest tests_reference``).
The real libraries are imported as ``tf_ref`` / ``keras_ref``; ndflow as ``nd`` / ``ndk``.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pytest  # noqa: E402
import tensorflow as tf_ref  # noqa: E402

# Two cores are shared by everyone: keep TensorFlow to its share.
try:
    tf_ref.config.threading.set_intra_op_parallelism_threads(1)
    tf_ref.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:  # already initialized by an earlier import
    pass

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_collection_modifyitems(config, items):
    # every test here compares with TensorFlow: mark them so `-m reference` selects them
    for item in items:
        item.add_marker(pytest.mark.reference)


def pytest_configure(config):
    config.addinivalue_line("markers", "reference: compares ndflow with the real TensorFlow")
