"""Time indexes of forecast series: kept, checked, continued and extended."""

import numpy as np
import pandas as pd
import pytest

from skrnn import SequenceForecaster
from skrnn._forecasting.series import (
    continue_index,
    extended_index,
    integer_index_break,
    is_time_axis,
    series_index,
    steps_after,
)

MONTHS = pd.date_range("2020-01-31", periods=4, freq="ME")
PERIODS = pd.period_range("2020-01", periods=4, freq="M")


def _series(index):
    return pd.Series(np.arange(len(index), dtype=float), index=index)


# -------------------------------------------------------------- series_index
def test_a_regular_index_is_kept_with_its_frequency():
    assert series_index(_series(MONTHS)).equals(MONTHS)
    assert series_index(_series(MONTHS)).freq == MONTHS.freq
    assert series_index(_series(PERIODS)).equals(PERIODS)
    # Without a frequency, a regular DatetimeIndex gets the one of its values.
    inferred = series_index(_series(pd.DatetimeIndex(list(MONTHS))))
    assert inferred.equals(MONTHS) and inferred.freqstr == "ME"


def test_integer_steps_are_kept_as_a_range():
    assert series_index(_series(pd.RangeIndex(0, 700))).equals(pd.RangeIndex(0, 700))
    evenly = series_index(_series(pd.Index([10, 12, 14, 16])))
    assert isinstance(evenly, pd.RangeIndex)
    assert (evenly.start, evenly.stop, evenly.step) == (10, 18, 2)


@pytest.mark.parametrize(
    "data",
    [
        np.arange(5.0),  # no index at all
        [1.0, 2.0, 3.0],
        _series(pd.Index([1, 2, 4])),  # uneven integer steps
        _series(pd.Index(list("abc"))),  # labels, not a time axis
        _series(pd.RangeIndex(10, 0, -2)),  # counting down
    ],
)
def test_data_without_a_time_axis_has_no_index(data):
    assert series_index(data) is None


@pytest.mark.parametrize(
    "index, expected",
    [
        (pd.Index([1, 2, 4]), (2, 4)),
        (pd.Index([0, 1, 2, 3, 9, 10]), (3, 9)),
        (pd.Index([5, 4, 3]), (5, 4)),
        (pd.Index([3, 3, 4]), (3, 3)),
        (pd.RangeIndex(10, 0, -2), (10, 8)),
        (pd.Index([10, 12, 14]), None),  # evenly spaced: a time axis
        (pd.RangeIndex(0, 5), None),
        (pd.Index([7]), None),
        (pd.Index(list("abc")), None),  # labels: not an integer index
        (MONTHS, None),
    ],
)
def test_integer_index_break_names_the_first_uneven_step(index, expected):
    assert integer_index_break(_series(index)) == expected
    assert integer_index_break(np.arange(3.0)) is None


def test_a_forecaster_warns_that_an_uneven_integer_index_is_read_as_positions():
    # A RangeIndex after dropna has gaps: its values are taken as consecutive
    # steps, which must not happen unsaid (a DatetimeIndex with gaps is an
    # error; an integer index may be labels, so this warns).
    values = np.sin(np.arange(40) / 3) + 5
    dropped = pd.Series(values, index=np.r_[0:20, 25:45])
    fast = dict(window=4, units=2, epochs=1, calibration=None, random_state=0)
    with pytest.warns(
        UserWarning, match=r"index of the series .*\(19 is followed by 25\)"
    ):
        model = SequenceForecaster(**fast).fit(dropped)
    assert model.predict().index.equals(pd.RangeIndex(40, 41))  # positions
    with pytest.warns(UserWarning, match=r"index of X\['a'\] .*reset_index"):
        SequenceForecaster(**fast).fit({"a": dropped, "b": values})


def test_gaps_and_irregular_stamps_are_errors():
    gappy = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06"])
    with pytest.raises(ValueError, match="no regular frequency.*asfreq"):
        series_index(_series(gappy))
    two = _series(pd.DatetimeIndex(["2020-01-01", "2020-01-02"]))
    with pytest.raises(ValueError, match="2 time stamp.*too few to infer"):
        series_index(two)
    # New observations of a fitted series: their stamps are checked against
    # the fitted frequency where they are appended.
    assert series_index(two, short=True).equals(two.index)
    backwards = _series(pd.DatetimeIndex(["2020-01-02", "2020-01-01"]))
    with pytest.raises(ValueError, match="repeated or out of order"):
        series_index(backwards, short=True)
    missing = PERIODS.delete(2)
    with pytest.raises(ValueError, match="PeriodIndex is not regular"):
        series_index(_series(missing))
    with pytest.raises(ValueError, match="PeriodIndex is not regular"):
        series_index(_series(PERIODS[::-1]))


# ------------------------------------------------------------ continue_index
def test_each_kind_of_index_is_continued_after_its_end():
    after = continue_index(MONTHS, 3)
    expected = pd.date_range("2020-05-31", periods=3, freq="ME")
    assert after.equals(expected) and after.freq == MONTHS.freq
    assert continue_index(PERIODS, 2).equals(
        pd.period_range("2020-05", periods=2, freq="M")
    )
    assert continue_index(pd.RangeIndex(0, 700), 24).equals(pd.RangeIndex(700, 724))
    stepped = continue_index(pd.RangeIndex(0, 10, 2), 3)
    assert stepped.equals(pd.RangeIndex(10, 16, 2)) and stepped.step == 2
    assert continue_index(None, 3) is None


def test_continuing_after_a_gap_skips_it_and_keeps_the_name():
    named = MONTHS.rename("month")
    after = continue_index(named, 2, offset=1)
    assert after.equals(pd.date_range("2020-06-30", periods=2, freq="ME"))
    assert after.name == "month"
    assert continue_index(PERIODS, 1, offset=2)[0] == pd.Period("2020-07", "M")
    assert continue_index(pd.RangeIndex(0, 10, 2), 1, offset=1)[0] == 12


# --------------------------------------------------------------- steps_after
def test_steps_after_counts_the_gap_on_the_frequency():
    assert steps_after(MONTHS, pd.date_range("2020-05-31", periods=2, freq="ME")) == 0
    assert steps_after(MONTHS, pd.date_range("2020-07-31", periods=2, freq="ME")) == 2
    assert steps_after(PERIODS, pd.period_range("2020-06", periods=1, freq="M")) == 1
    assert steps_after(pd.RangeIndex(0, 10, 2), pd.RangeIndex(14, 20, 2)) == 2
    # Plain values, and pandas' default index from 0, come right after.
    assert steps_after(MONTHS, None) == 0
    assert steps_after(pd.RangeIndex(0, 10, 2), pd.RangeIndex(0, 4)) == 0
    assert steps_after(None, MONTHS) == 0


def test_new_data_before_the_end_or_off_the_frequency_is_an_error():
    with pytest.raises(ValueError, match="not after the end of the data"):
        steps_after(MONTHS, MONTHS[2:])
    with pytest.raises(ValueError, match="not on the series' frequency"):
        steps_after(MONTHS, pd.DatetimeIndex(["2020-05-15"]))
    with pytest.raises(ValueError, match="not after the end"):
        steps_after(pd.RangeIndex(0, 10, 2), pd.RangeIndex(8, 12, 2))
    with pytest.raises(ValueError, match="not on the series' steps of 2"):
        steps_after(pd.RangeIndex(0, 10, 2), pd.RangeIndex(11, 15, 2))


# ------------------------------------------------------------ extended_index
def test_an_update_extends_the_index_by_the_new_steps():
    extended = extended_index(
        MONTHS, pd.date_range("2020-05-31", periods=2, freq="ME"), 2
    )
    assert extended.equals(pd.date_range("2020-01-31", periods=6, freq="ME"))
    assert extended.freq == MONTHS.freq
    # Plain values are the steps right after the history.
    assert extended_index(MONTHS, None, 2).equals(extended)
    assert extended_index(PERIODS, None, 1).equals(
        pd.period_range("2020-01", periods=5, freq="M")
    )
    assert extended_index(pd.RangeIndex(0, 10, 2), None, 3).equals(
        pd.RangeIndex(0, 16, 2)
    )
    assert extended_index(None, None, 3) is None


def test_an_update_that_leaves_a_gap_is_an_error():
    later = pd.date_range("2020-07-31", periods=2, freq="ME")
    with pytest.raises(ValueError, match=r"update\(\) needs the steps right after"):
        extended_index(MONTHS, later, 2)


def test_is_time_axis_takes_only_what_series_index_keeps():
    hourly = pd.date_range("2024-01-01", periods=4, freq="h")
    kept = [
        pd.RangeIndex(0, 4),
        hourly,
        pd.period_range("2024-01", periods=4, freq="M"),
    ]
    assert all(is_time_axis(index) for index in kept)
    assert all(
        is_time_axis(series_index(pd.Series(range(4), index=index))) for index in kept
    )
    for other in [
        pd.RangeIndex(4, 0, -1),
        pd.DatetimeIndex(hourly.values),  # no frequency
        pd.Index(["a", "b", "c", "d"]),
        pd.Index([0, 1, 2, 3]),  # series_index keeps it as a RangeIndex
    ]:
        assert not is_time_axis(other)
