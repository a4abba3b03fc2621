"""The airline passengers series (Box & Jenkins series G)."""

from importlib import resources

import numpy as np
import pandas as pd


def load_airline(*, as_frame=True):
    """Load the monthly totals of international airline passengers, 1949-1960.

    144 monthly totals, in thousands of passengers, with a rising trend and a
    yearly seasonality whose amplitude grows with the level: the classic test
    series for seasonal forecasting.

    Parameters
    ----------
    as_frame : bool, default=True
        Return a pandas Series indexed by month; if False, a NumPy array of the
        values alone.

    Returns
    -------
    passengers : pandas.Series or ndarray of shape (144,)
        With ``as_frame=True``, an int64 Series named ``"passengers"`` with a
        monthly :class:`pandas.PeriodIndex` named ``"month"``, from 1949-01 to
        1960-12. With ``as_frame=False``, a float64 array of the same values.

    References
    ----------
    .. [1] G. E. P. Box, G. M. Jenkins and G. C. Reinsel, "Time Series Analysis:
       Forecasting and Control", 3rd ed., Prentice Hall, 1994, series G
       (international airline passengers, monthly totals in thousands,
       January 1949 - December 1960).

    Examples
    --------
    >>> from skrnn.datasets import load_airline
    >>> passengers = load_airline()
    >>> len(passengers), int(passengers.iloc[0]), passengers.index.freqstr
    (144, 112, 'M')
    >>> passengers.index[[0, -1]].astype(str).tolist()
    ['1949-01', '1960-12']
    >>> load_airline(as_frame=False)[:3]
    array([112., 118., 132.])
    """
    source = resources.files(__package__) / "data" / "airline.csv"
    with source.open("r", encoding="utf-8") as file:
        frame = pd.read_csv(file, dtype={"Date": str, "Passengers": np.int64})
    if not as_frame:
        return frame["Passengers"].to_numpy(dtype=np.float64)
    index = pd.PeriodIndex(frame["Date"], freq="M", name="month")
    return pd.Series(
        frame["Passengers"].to_numpy(), index=index, name="passengers", copy=False
    )
