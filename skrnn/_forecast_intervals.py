"""The forecaster's prediction intervals and quantiles (split conformal).

The calibration itself -- out-of-sample errors recorded at ``fit``, their
conformal quantiles per horizon step -- lives in :mod:`skrnn._intervals`.
"""

from sklearn.utils.validation import check_is_fitted

from . import _intervals


class ForecastIntervalsMixin:
    """The interval half of :class:`~skrnn.SequenceForecaster`."""

    def predict_interval(self, X=None, coverage=0.95):
        """Prediction intervals of the forecast, from out-of-sample errors.

        Split conformal: the interval of step ``k`` is the forecast plus
        quantiles of the scaled out-of-sample errors of step ``k``
        (``calibration_scores_``) times the series' scale, so it widens with
        the step. Intervals continue from the data seen so far, after
        :meth:`update` too. See :ref:`forecast_intervals`.

        Parameters
        ----------
        X : None
            Kept for the signature of :meth:`predict`; forecasters with
            covariates have no intervals yet.
        coverage : float or list of float, default=0.95
            Share of future values each interval should contain.

        Returns
        -------
        intervals : pandas.DataFrame, or a panel of them
            Columns "lower" and "upper" (under a level per coverage when
            ``coverage`` is a list, and per column for a multi-column series),
            on the index of :meth:`predict` (positions for numpy data). For a
            panel, one such frame per series in the container of
            :meth:`predict`: dict, list, or a long frame indexed by (series,
            time).

        Raises
        ------
        ValueError
            If the forecaster holds no out-of-sample errors (fitted with
            ``calibration=None``, or on series too short for a backtest).

        Examples
        --------
        >>> from skrnn import SequenceForecaster
        >>> from skrnn.datasets import load_airline
        >>> fc = SequenceForecaster(horizon=3, epochs=3, random_state=0)
        >>> fc = fc.fit(load_airline())
        >>> fc.predict_interval(coverage=0.9).columns.tolist()
        ['lower', 'upper']
        """
        check_is_fitted(self)
        self._check_interval_input(X)
        coverages, many = _intervals.check_levels(coverage, "coverage", interval=True)
        columns = _intervals.interval_columns(
            coverages, many, _intervals.target_names(self)
        )
        return _intervals.predict_frames(
            self, _intervals.interval_levels(coverages), columns
        )

    def predict_quantiles(self, X=None, alpha=(0.05, 0.5, 0.95)):
        """Quantiles of the forecast, from out-of-sample errors.

        The same calibration as :meth:`predict_interval`: quantile ``a`` of
        step ``k`` is the forecast plus the ``a`` conformal quantile of the
        scaled errors of step ``k``, times the series' scale.

        Parameters
        ----------
        X : None
            Kept for the signature of :meth:`predict`.
        alpha : float or list of float, default=(0.05, 0.5, 0.95)
            Quantile levels, strictly between 0 and 1.

        Returns
        -------
        quantiles : pandas.DataFrame, or a panel of them
            One column per level (sorted), on the index of :meth:`predict`;
            for a panel, one frame per series in the container of
            :meth:`predict`.

        Examples
        --------
        >>> from skrnn import SequenceForecaster
        >>> from skrnn.datasets import load_airline
        >>> fc = SequenceForecaster(horizon=3, epochs=3, random_state=0)
        >>> fc = fc.fit(load_airline())
        >>> fc.predict_quantiles(alpha=[0.1, 0.9]).columns.tolist()
        [0.1, 0.9]
        """
        check_is_fitted(self)
        self._check_interval_input(X)
        levels, _ = _intervals.check_levels(alpha, "alpha", interval=False)
        columns = _intervals.quantile_columns(levels, _intervals.target_names(self))
        return _intervals.predict_frames(self, levels, columns)

    def _check_interval_input(self, X):
        if X is not None or self._with_covariates:
            raise ValueError(
                "Intervals forecast the series' own future: call them without X "
                "(forecasters with covariates have no intervals yet)."
            )
