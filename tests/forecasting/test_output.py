"""Results in the container the data came in: the forecasts' indexes."""

import pandas as pd

from skrnn._forecasting.output import future_index, future_indexes


def test_series_on_one_grid_share_their_forecasts_index():
    grid = pd.date_range("2024-01-01", periods=48, freq="h")
    other = pd.date_range("2024-02-01", periods=30, freq="D")
    indexes = [grid, grid, other, grid]
    lengths = [48, 48, 30, 48]
    future = future_indexes(indexes, lengths, 5)
    assert future[0] is future[1] is future[3]  # made once for the grid
    assert future[2] is not future[0]
    for index, n_seen, made in zip(indexes, lengths, future, strict=True):
        pd.testing.assert_index_equal(made, future_index(index, n_seen, 5))
    assert future[0][0] == pd.Timestamp("2024-01-03 00:00")
    assert future[2][0] == pd.Timestamp("2024-03-02")


def test_positions_count_on_from_each_series_own_length():
    plain = pd.RangeIndex(0, 10)
    future = future_indexes([plain, plain], [10, 10], 3)
    assert list(future[0]) == [10, 11, 12]
    # another length on the same index object: its own continuation
    shorter = future_indexes([plain, plain], [10, 7], 2)
    assert shorter[0] is not shorter[1]
