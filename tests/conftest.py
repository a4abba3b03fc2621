"""Small data sets with known rules, shared by the tests."""

import os

import numpy as np
import pytest

# Tests run on 2 cores: one intra-op thread per process keeps timings stable.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
