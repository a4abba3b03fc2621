"""The M4 scores of benchmarks/_m4_metrics.py, against values computed by hand.

``bench_m4.py`` prints its figures with these functions. The repository root is
on the tests' import path (``pythonpath`` in pyproject.toml), so the benchmarks
folder imports as a package.
"""

import numpy as np
import pytest

from benchmarks._m4_metrics import (
    mase,
    msis,
    naive2,
    owa,
    score_panel,
    seasonal_indices,
    seasonal_naive,
    smape,
)


def test_smape_by_hand():
    # 200 * |1| / 3 and 200 * |2| / 6, averaged
    assert smape([1.0, 2.0], [2.0, 4.0]) == pytest.approx((200 / 3 + 400 / 6) / 2)


def test_mase_by_hand():
    insample = [1.0, 3.0, 2.0, 6.0]  # lag-2 differences 1 and 3: scale 2
    assert mase(insample, [5.0, 5.0], [4.0, 8.0], m=2) == pytest.approx(2.0 / 2.0)
    # lag-1 differences 2, 1, 4: scale 7 / 3
    assert mase(insample, [5.0], [4.0], m=1) == pytest.approx(3 / 7)


def test_msis_by_hand():
    insample = [1.0, 3.0, 2.0, 6.0]  # m=2: scale 2
    # widths 2 and 2; the second actual is 1 above its upper bound: 2 / 0.05 * 1
    score = msis(insample, [5.0, 7.0], [4.0, 4.0], [6.0, 6.0], m=2, alpha=0.05)
    assert score == pytest.approx(((2 + 2) + 40) / 2 / 2)


def test_owa_by_hand():
    assert owa(10.0, 1.0, 20.0, 4.0) == pytest.approx(0.5 * (0.5 + 0.25))


def test_seasonal_naive_repeats_last_season():
    np.testing.assert_array_equal(
        seasonal_naive([1, 2, 3, 4, 5], 5, m=2), [4, 5, 4, 5, 4]
    )


def test_naive2_reseasonalises_the_last_level():
    season = np.array([0.5, 1.5])
    series = np.tile(season, 20) * 10.0  # flat level 10, exact seasonality
    np.testing.assert_allclose(seasonal_indices(series, 2), season)
    np.testing.assert_allclose(naive2(series, 3, m=2), [5.0, 15.0, 5.0])


def test_naive2_without_seasonality_is_naive():
    series = np.arange(1.0, 41.0)
    np.testing.assert_array_equal(naive2(series, 3, m=1), [40.0, 40.0, 40.0])


def test_score_panel_interval_coverage():
    scores = score_panel(
        [[1.0, 3.0, 2.0, 6.0]],
        [[5.0, 7.0]],
        [[5.0, 5.0]],
        m=2,
        lowers=[[4.0, 4.0]],
        uppers=[[6.0, 6.0]],
    )
    assert scores["coverage"] == 0.5
    assert scores["smape"] == pytest.approx(100 * 2 / 12)
