"""Panels in the forecaster: fit, forecast, update and score many series at once.

One network is trained on the windows pooled from every series of the panel;
each series keeps its own history, index and transform. The containers
(dict, list, long MultiIndex frame) are read and rebuilt by :mod:`skrnn._panel`.
"""

import numpy as np
from sklearn.metrics import r2_score

from ._panel import Panel, WindowSet, is_panel, panel_like, read_panel
from ._series import continue_index, extended_index, steps_after


class PanelForecastMixin:
    """The panel half of :class:`~skrnn.SequenceForecaster`."""

    def _fit_panel(self, X, *, reset):
        """Validate a panel; return the windows pooled from all series, and targets."""
        panel = read_panel(X, estimator=self, input_name="X")
        if reset:
            self._fit_layout(
                panel.values, panel.indexes[0], covariates=False, panel=True
            )
            self._panel_kind, self._panel_name = panel.kind, panel.name
            self._panel_levels = list(panel.level_names)
            self.series_ids_ = list(panel.ids)
        else:
            self._check_warm_start()
            if panel.ids != self.series_ids_:
                raise ValueError(
                    "warm_start continues a panel with the same series, in the same "
                    "order; got other series ids."
                )
        self.y_ = dict(zip(panel.ids, panel.values, strict=True))
        self.index_ = dict(zip(panel.ids, panel.indexes, strict=True))
        self.X_ = None
        if self.normalize_ == "level":
            self.target_transforms_ = [None] * len(panel.ids)
            data = self._level_windows(panel.ids, panel.values)
            return data, data.targets, data.groups
        lags = self.differences_
        for series_id, values in zip(panel.ids, panel.values, strict=True):
            try:
                self._check_length(len(values), self.window_, self._network_steps, lags)
            except ValueError as error:
                raise ValueError(f"Series {series_id!r}: {error}") from None
        if reset:
            self.target_transforms_ = [
                self._new_target_transform().fit(values) for values in panel.values
            ]
        inputs = [
            transform.transform(values).astype(np.float32)
            for transform, values in zip(
                self.target_transforms_, panel.values, strict=True
            )
        ]
        data = WindowSet(inputs, self.window_, self._network_steps)
        return data, data.targets(), data.series

    def _predict_panel(self, n_steps):
        ids = self.series_ids_
        histories = [self.y_[series_id] for series_id in ids]
        forecasts = self._forecast_many(histories, self.target_transforms_, n_steps)
        indexes = [continue_index(self.index_[series_id], n_steps) for series_id in ids]
        return panel_like(
            self._panel_description(), [f[:, 0] for f in forecasts], indexes
        )

    def _panel_description(self):
        return Panel(
            self.series_ids_,
            None,
            None,
            self._panel_kind,
            self._panel_name,
            tuple(self._panel_levels),
        )

    def _update_panel(self, X, y):
        panel = self._read_fitted_panel(X, y, "update(new) with new observations of")
        # Validate every series first: a failed update changes nothing.
        indexes = [
            extended_index(self.index_[series_id], index, len(values))
            for series_id, values, index in zip(
                panel.ids, panel.values, panel.indexes, strict=True
            )
        ]
        for series_id, values, index in zip(
            panel.ids, panel.values, indexes, strict=True
        ):
            self.y_[series_id] = np.concatenate([self.y_[series_id], values])
            self.index_[series_id] = index
        return self

    def _read_fitted_panel(self, X, y, call):
        """New data of some or all of the fitted series, validated, as a Panel."""
        if y is not None or not is_panel(X):
            raise ValueError(
                f"This forecaster was fitted on a panel: call {call} some or all of "
                "its series, in a panel container."
            )
        panel = read_panel(X, estimator=self, input_name="X")
        self._check_panel_ids(panel.ids)
        return panel

    def _check_panel_ids(self, ids):
        unknown = [series_id for series_id in ids if series_id not in self.y_]
        if unknown:
            raise ValueError(
                f"The panel names series the forecaster was not fitted on: {unknown!r}."
            )

    def _score_panel(self, X, y, sample_weight):
        if sample_weight is not None:
            raise ValueError("score on a panel takes no sample_weight.")
        panel = self._read_fitted_panel(
            X, y, "score(actual) with the values that follow"
        )
        gaps = [
            steps_after(self.index_[series_id], index)
            for series_id, index in zip(panel.ids, panel.indexes, strict=True)
        ]
        n_steps = max(
            gap + len(values) for gap, values in zip(gaps, panel.values, strict=True)
        )
        forecasts = self._forecast_many(
            [self.y_[series_id] for series_id in panel.ids],
            [self.target_transforms_[self.series_ids_.index(i)] for i in panel.ids],
            n_steps,
        )
        scores = [
            r2_score(values, forecast[gap : gap + len(values)])
            for values, forecast, gap in zip(panel.values, forecasts, gaps, strict=True)
        ]
        return float(np.mean(scores))
