"""Small data sets with known rules, shared by the tests."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Under pytest-xdist every worker process gets its share of the cores' threads
# (skrnn caps TensorFlow's thread pools to SKRNN_NUM_THREADS): workers that
# each used every core would slow each other down.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    _cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    _share = _cores // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("SKRNN_NUM_THREADS", str(max(1, _share)))


@pytest.fixture
def sum_data():
    """y is the sum of the last three steps of one feature: a rule an RNN learns."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10, 2)).astype(np.float32)
    y = X[:, -3:, 0].sum(axis=1)
    return X, y


@pytest.fixture
def sign_data():
    """Class 'up' when the first feature sums to a positive number, else 'down'."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 8, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    return X, y


def pytest_collection_modifyitems(config, items):
    """Run the slow tests first; skip tests of TensorFlow-only parts where Keras
    runs on another backend.

    Slow tests first: pytest-xdist hands the tests out in this order, so the
    longest ones (the docs build, the pages' snippets: a minute or more each)
    start while the other workers have hundreds of short tests left, instead
    of one running on alone at the end. The sort is stable: the order within
    each tier is the collection's.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "tensorflow":
        return
    skip = pytest.mark.skip(reason=f"TensorFlow only; Keras runs on {backend}")
    for item in items:
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    """Keep more traced trainers than a user's session does.

    Most of a small test is Keras tracing the training step of a network it
    builds for the first time (0.5-1 s); skrnn keeps a few traced trainers
    (``skrnn._trainers.POOL``, 4 for a user's session) for the next fit of the
    same network. The suite fits ~150 kinds of network, so a pool of 4 traced
    some of them again and again: tests keep 32 (+0.3 GB a worker, measured).
    Tests that start processes of their own (the memory checks) run with the
    package's pool of 4.
    """
    from skrnn import _trainers

    _trainers.POOL.size = 32
