"""Read time-series sets in the ``.ts`` format of the UCR/UEA/Monash archives."""

import numpy as np


def load_ts(path):
    """Load one ``.ts`` file of the UCR/UEA/Monash time-series archives.

    The archives' classification and extrinsic regression sets (for example
    OSULeaf, PLAID, ACSF1, Covid3Month, Tecator) are distributed as
    ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``. The arrays returned are input
    forms the sequence estimators take as they are: a 3-D array, or a list of
    arrays when the series differ in length.

    The format: lines starting with ``#`` are comments; header lines start
    with ``@`` and ``@data`` ends the header; then one case per line, its
    channels separated by ``:``, each channel a comma-separated list of values
    (``?`` or ``NaN`` for a missing value), the label last. ``@classLabel true
    ...`` marks a classification set (string labels), ``@targetLabel true`` a
    regression set (float targets); a file with neither has no labels (every
    part of a case is a channel).

    Parameters
    ----------
    path : str or path-like
        The file, e.g. ``".../OSULeaf_TRAIN.ts"``.

    Returns
    -------
    X : ndarray of shape (n_cases, n_steps, n_channels) or list of ndarray
        float32. A 3-D array when every case has the same number of steps,
        else a list of ``(n_steps_i, n_channels)`` arrays. Missing values are
        NaN.
    y : ndarray of shape (n_cases,) or None
        The labels as strings for a classification set, as float64 for a
        regression set (``@targetLabel true``); None for a file without labels.

    Raises
    ------
    ValueError
        If the file has no ``@data`` line, its cases do not all have the
        same number of channels, a case's channels differ in length, or a
        value is beyond float32's range; the message names the file and line.

    See Also
    --------
    skrnn.RNNClassifier : Classify the series (3-D arrays or ragged lists).
    skrnn.RNNRegressor : Regress a number on each series.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skrnn.datasets import load_ts
    >>> text = "@classLabel true up down\\n@data\\n1,2,3:up\\n3,2,1:down\\n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "Tiny_TRAIN.ts"
    ...     _ = path.write_text(text)
    ...     X, y = load_ts(path)
    >>> X.shape, X.dtype, y.tolist()
    ((2, 3, 1), dtype('float32'), ['up', 'down'])
    """
    header = {}
    cases, labels = [], []
    in_data = False
    with open(path, encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.startswith("@"):
                    key, _, value = line[1:].partition(" ")
                    key = key.lower()
                    if key == "data":
                        in_data = True
                        labelled = any(
                            header.get(name, "false").startswith("true")
                            for name in ("classlabel", "targetlabel")
                        )
                    else:
                        header[key] = value.strip().lower()
                continue
            channels = line.split(":")
            if labelled:
                *channels, label = channels
                labels.append(label.strip())
            case = _case(channels, f"{path}, line {number}")
            if cases and case.shape[1] != cases[0].shape[1]:
                raise ValueError(
                    f"{path}, line {number}: the case has {case.shape[1]} channels, "
                    f"the first case {cases[0].shape[1]}; every case needs the same "
                    "number of channels."
                )
            cases.append(case)
    if not in_data:
        raise ValueError(f"{path}: no @data line ends the header.")
    regression = header.get("targetlabel", "false").startswith("true")
    y = np.array(labels, dtype=np.float64 if regression else str) if labelled else None
    if len({case.shape[0] for case in cases}) == 1:
        return np.stack(cases), y
    return cases, y


def _case(channels, where):
    """One case's ``(n_steps, n_channels)`` float32 values."""
    try:
        values = [
            np.array([_value(v) for v in channel.split(",") if v.strip()])
            for channel in channels
        ]
    except ValueError as error:  # float()'s message quotes the text
        raise ValueError(f"{where}: a value is not a number ({error}).") from None
    if len({len(channel) for channel in values}) > 1:
        raise ValueError(
            f"{where}: the case's channels have different lengths "
            f"({[len(channel) for channel in values]})."
        )
    case = np.stack(values, axis=-1)
    if np.any(np.abs(case[np.isfinite(case)]) > np.finfo(np.float32).max):
        raise ValueError(f"{where}: a value is beyond float32's range.")
    return case.astype(np.float32)


def _value(text):
    text = text.strip()
    return np.nan if text == "?" else float(text)
