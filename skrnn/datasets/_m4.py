"""The M4 competition's Hourly and Weekly training series."""

from importlib import resources

import numpy as np
import pandas as pd

# group -> (file, number of series, forecast horizon, seasonal period(s))
_GROUPS = {
    "hourly": ("m4_hourly_train.csv.gz", 414, 48, (24, 168)),
    "weekly": ("m4_weekly_train.csv.gz", 359, 13, (1,)),
}


def load_m4(group):
    """Load the training series of one M4 competition group, Hourly or Weekly.

    The M4 competition (Makridakis, Spiliotis and Assimakopoulos, 2020) asked
    for forecasts of 100,000 series; skrnn ships the training parts of two of
    its groups, as released by the organisers. The official test sets are not
    included: to validate, hold out the last ``horizon`` values of each series.

    ======  ======  ===========  =======  ====================  ============
    group   series  length       horizon  seasonal period       MASE scaling
    ======  ======  ===========  =======  ====================  ============
    hourly  414     700 to 960   48       24 (and 168, weekly)  m = 24
    weekly  359     80 to 2,597  13       none used             m = 1
    ======  ======  ===========  =======  ====================  ============

    The competition scores forecasts by sMAPE and MASE (scaled by the in-sample
    error of the seasonal naive forecast with period ``m``), and OWA, their mean
    relative to the Naive2 benchmark.

    Parameters
    ----------
    group : {"hourly", "weekly"}
        Which group of series to load.

    Returns
    -------
    series : dict of str to pandas.Series
        One float64 Series per series id (``"H1"`` to ``"H414"``, or ``"W1"`` to
        ``"W359"``), in the competition's order, named by its id. M4 publishes
        no timestamps, so each Series has a :class:`pandas.RangeIndex` counting
        observations from 0 (one step is one hour, or one week). Series differ
        in length; none contains missing values.

    References
    ----------
    .. [1] S. Makridakis, E. Spiliotis and V. Assimakopoulos, "The M4
       Competition: 100,000 time series and 61 forecasting methods",
       International Journal of Forecasting 36(1), 54-74, 2020.

    Examples
    --------
    >>> from skrnn.datasets import load_m4
    >>> hourly = load_m4("hourly")
    >>> len(hourly), hourly["H1"].size, hourly["H1"].iloc[:3].tolist()
    (414, 700, [605.0, 586.0, 586.0])
    >>> train, validation = hourly["H1"].iloc[:-48], hourly["H1"].iloc[-48:]
    >>> len(load_m4("weekly")), load_m4("weekly")["W1"].size
    (359, 2179)
    """
    if group not in _GROUPS:
        raise ValueError(f"group must be one of {sorted(_GROUPS)}; got {group!r}.")
    file_name = _GROUPS[group][0]
    source = resources.files(__package__) / "data" / file_name
    with source.open("rb") as file:
        # One row per series: the id, then its values, padded with empty cells.
        frame = pd.read_csv(file, index_col=0, compression="gzip")
    series = {}
    for series_id, row in zip(
        frame.index, frame.to_numpy(dtype=np.float64), strict=True
    ):
        values = row[~np.isnan(row)]
        series[series_id] = pd.Series(values, name=series_id)
    return series
