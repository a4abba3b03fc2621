"""The bundled data sets."""

import subprocess
import sys

import numpy as np
import pandas as pd

from skrnn.datasets import load_airline


def test_load_airline_series():
    passengers = load_airline()
    assert isinstance(passengers, pd.Series)
    assert len(passengers) == 144
    assert passengers.name == "passengers"
    assert passengers.dtype == np.int64
    assert passengers.iloc[0] == 112
    assert passengers.iloc[-1] == 432
    assert passengers.min() == 104 and passengers.max() == 622


def test_load_airline_index():
    index = load_airline().index
    assert isinstance(index, pd.PeriodIndex)
    assert index.name == "month"
    assert index.freqstr == "M"
    assert index[0] == pd.Period("1949-01", freq="M")
    assert index[-1] == pd.Period("1960-12", freq="M")
    assert index.is_monotonic_increasing and index.is_unique
    assert (index[1:] - index[:-1] == index.freq).all()


def test_load_airline_as_array():
    values = load_airline(as_frame=False)
    assert isinstance(values, np.ndarray)
    assert values.dtype == np.float64
    assert values.shape == (144,)
    np.testing.assert_array_equal(values, load_airline().to_numpy())


def test_import_datasets_does_not_load_tensorflow():
    code = (
        "import sys, skrnn.datasets\n"
        "skrnn.datasets.load_airline()\n"
        "loaded = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "print(','.join(loaded) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "none"
