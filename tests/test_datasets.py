"""The bundled data sets."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skrnn.datasets import load_airline, load_m4


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


@pytest.mark.parametrize(
    "group, prefix, n_series, shortest, longest",
    [("hourly", "H", 414, 700, 960), ("weekly", "W", 359, 80, 2597)],
)
def test_load_m4_series(group, prefix, n_series, shortest, longest):
    series = load_m4(group)
    assert list(series) == [f"{prefix}{i}" for i in range(1, n_series + 1)]
    lengths = [len(values) for values in series.values()]
    assert min(lengths) == shortest and max(lengths) == longest
    for series_id, values in series.items():
        assert values.name == series_id
        assert values.dtype == np.float64
        assert isinstance(values.index, pd.RangeIndex) and values.index.start == 0
        assert not values.isna().any()
        assert (values > 0).all()


def test_load_m4_first_hourly_values():
    h1 = load_m4("hourly")["H1"]
    assert h1.iloc[:3].tolist() == [605.0, 586.0, 586.0]
    assert len(h1) == 700


def test_load_m4_unknown_group():
    with pytest.raises(ValueError, match="group must be one of"):
        load_m4("daily")


def test_import_datasets_does_not_load_tensorflow():
    code = (
        "import sys, skrnn.datasets\n"
        "skrnn.datasets.load_airline()\n"
        "skrnn.datasets.load_m4('hourly')\n"
        "loaded = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "print(','.join(loaded) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "none"
