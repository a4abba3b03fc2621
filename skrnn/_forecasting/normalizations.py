"""How series are put on a network's scale and forecasts taken back: one class each.

Both classes have one interface, so the forecaster takes one path whatever
the normalisation:

* ``fit(plan, observations)`` (a class method): fit what the normalisation
  learns from the training series (nothing, for the level one);
* ``windows(observations)``: the training windows (:mod:`skrnn._forecasting.windows`);
* ``forecast(predictor, histories, n_steps, positions, covariates=None)``: one
  network's forecasts of ``n_steps`` after each history, on the original
  scale, ``(n_histories, n_steps, n_targets)``; ``positions[i]`` is the fitted
  series history ``i`` continues;
* ``error_space``: ``(log, positive)``, how interval errors are measured;
* ``attributes()``: the fitted attributes that hold it.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

from .covariates import StaticEncoder, assemble, padded_rows, scaled
from .level import (
    LevelWindows,
    encode,
    encode_with_covariates,
    extend_back,
    extend_rows,
    input_layout,
)
from .transforms import TargetTransform
from .windows import CovariateWindows, StandardWindows


def normalization_for(plan, observations):
    """The normalisation of a fresh fit, fitted on the training series."""
    if plan.normalize != "level":
        return StandardNormalization.fit(plan, observations)
    if plan.covariates is None:
        return LevelNormalization(plan)
    return LevelNormalization(plan, *fit_covariates(plan, observations))


def normalization_of(plan, attributes):
    """The normalisation a fitted forecaster holds (its fitted attributes)."""
    encoding = (
        attributes["covariate_scaler_"],
        attributes.get("static_encoder_"),
        attributes.get("_static_inputs"),
    )
    if plan.normalize == "level":
        return LevelNormalization(plan, *encoding)
    return StandardNormalization(plan, attributes["target_transforms_"], *encoding)


def fit_covariates(plan, observations):
    """``(scaler, static encoder, static inputs)`` fitted on the training data:
    a StandardScaler of the covariate columns (pooled over the series, with
    ``scale``), the static covariates' encoder and its rows per series."""
    scaler = None
    covariates = observations.covariates
    if covariates is not None and covariates[0].shape[1] and plan.scale:
        scaler = StandardScaler().fit(np.concatenate(covariates))
    encoder = static = None
    if observations.static is not None:
        encoder = StaticEncoder().fit(observations.static)
        static = encoder.transform(observations.static)
    return scaler, encoder, static


class _Covariates:
    """What both normalisations share with covariates: their encodings."""

    def __init__(self, plan, covariate_scaler=None, static_encoder=None, static=None):
        self.plan = plan
        self.covariate_scaler = covariate_scaler
        self.static_encoder = static_encoder
        self.static = static

    def attributes(self):
        return {
            "covariate_scaler_": self.covariate_scaler,
            "static_encoder_": self.static_encoder,
            "_static_inputs": self.static,
        }

    def _static_of(self, positions):
        return None if self.static is None else self.static[list(positions)]

    def _scaled_rows(self, covariates, n_seen, n_rows):
        """Covariates of a history and its next steps: ``n_rows`` rows, scaled."""
        rows = padded_rows(covariates, n_rows)
        return scaled(self.covariate_scaler, rows, self.plan.covariates, n_seen)


class StandardNormalization(_Covariates):
    """``normalize="standard"``: per series log, differences, standardisation.

    Each series has its own :class:`~skrnn._forecasting.transforms.TargetTransform`; the
    covariates one :class:`~sklearn.preprocessing.StandardScaler` (pooled over
    the series) when ``scale``. With covariates the direct network reads the
    window and the block it forecasts (:func:`~skrnn._forecasting.covariates.assemble`);
    the recursive one reads, at each step, the transformed target and the
    known covariates of the step after it.
    """

    def __init__(self, plan, transforms, *encoding):
        super().__init__(plan, *encoding)
        self.transforms = list(transforms)

    @classmethod
    def fit(cls, plan, observations):
        transforms = [
            TargetTransform(plan.log, plan.differences, plan.scale).fit(values)
            for values in observations.targets
        ]
        if plan.covariates is None:
            return cls(plan, transforms)
        return cls(plan, transforms, *fit_covariates(plan, observations))

    @property
    def error_space(self):
        return bool(self.plan.log), False

    def attributes(self):
        return {"target_transforms_": list(self.transforms), **super().attributes()}

    def _inputs(self, target, covariates, transform, static=None):
        """Per-step inputs of the recursive strategy: the transformed target and
        the next step's known covariates (row j: target of step j after the
        rows differencing consumes, covariates of step j + 1), and the static
        covariates."""
        transformed = transform.transform(target)
        following = self._scaled_rows(covariates, len(covariates), len(covariates))
        following = following[transform.n_lost + 1 :, list(self.plan.covariates.known)]
        rows = min(len(transformed), len(following))
        columns = [transformed[:rows], following[:rows]]
        if static is not None:
            columns.append(np.repeat(static[np.newaxis], rows, axis=0))
        return np.hstack(columns)

    def windows(self, observations):
        plan = self.plan
        if plan.covariates is None:
            inputs = outputs = [
                transform.transform(target).astype(np.float32)
                for target, transform in zip(
                    observations.targets, self.transforms, strict=True
                )
            ]
            return StandardWindows(inputs, outputs, plan.window, plan.network_steps)
        inputs, outputs, rows = [], [], []
        for i, (target, known, transform) in enumerate(
            zip(
                observations.targets,
                observations.covariates,
                self.transforms,
                strict=True,
            )
        ):
            static = None if self.static is None else self.static[i]
            outputs.append(transform.transform(target).astype(np.float32))
            if plan.strategy == "recursive":
                inputs.append(
                    self._inputs(target, known, transform, static).astype(np.float32)
                )
            else:
                scaled_rows = self._scaled_rows(known, len(known), len(known))
                rows.append(scaled_rows[transform.n_lost :])
        if plan.strategy == "recursive":
            return StandardWindows(inputs, outputs, plan.window, plan.network_steps)
        return CovariateWindows(
            outputs, rows, self.static, plan.window, plan.network_steps, plan.covariates
        )

    def forecast(self, predictor, histories, n_steps, positions, covariates=None):
        transforms = [self.transforms[p] for p in positions]
        if self.plan.covariates is not None:
            static = self._static_of(positions)
            if covariates is None:  # static covariates only
                covariates = [np.empty((len(h) + n_steps, 0)) for h in histories]
            if self.plan.strategy == "recursive":
                return np.stack(
                    [
                        self._forecast_with_covariates(
                            predictor,
                            history,
                            transform,
                            n_steps,
                            known,
                            None if static is None else static[i],
                        )
                        for i, (history, transform, known) in enumerate(
                            zip(histories, transforms, covariates, strict=True)
                        )
                    ]
                )
            return self._forecast_direct(
                predictor, histories, transforms, n_steps, covariates, static
            )
        window, steps = self.plan.window, self.plan.network_steps
        n_targets = histories[0].shape[1]
        windows = np.stack(
            [
                # Only the tail a window needs: a whole long history per origin
                # would hold n_origins transformed copies of the series at once.
                transform.transform(history[-(window + transform.n_lost) :])
                for history, transform in zip(histories, transforms, strict=True)
            ]
        ).astype(np.float32)
        blocks, done = [], 0
        while done < n_steps:
            block = predictor(windows).reshape(len(histories), steps, n_targets)
            blocks.append(block.astype(np.float64))
            done += steps
            windows = np.concatenate([windows, block], axis=1)[:, -window:]
        future = np.concatenate(blocks, axis=1)[:, :n_steps]
        return np.stack(
            [
                transform.inverse(values, history)
                for values, transform, history in zip(
                    future, transforms, histories, strict=True
                )
            ]
        )

    def _forecast_with_covariates(
        self, predictor, history, transform, n_steps, known, static=None
    ):
        """A recursive forecast fed the covariates: ``known`` holds those of the
        history's steps and of the ``n_steps`` after it."""
        n_seen, n_targets = len(history), history.shape[1]
        known = padded_rows(known, n_seen + n_steps)
        future = self._scaled_rows(known, len(known), len(known))[n_seen:]
        future = future[:, list(self.plan.covariates.known)]
        inputs = self._inputs(history, known[: n_seen + 1], transform, static)
        window = inputs[-self.plan.window :].astype(np.float32)
        blocks = []
        while True:
            block = predictor(window[np.newaxis]).astype(np.float64)
            blocks.append(block.reshape(1, n_targets))
            done = len(blocks)
            if done >= n_steps:
                break
            columns = [blocks[-1], future[done : done + 1]]
            if static is not None:
                columns.append(static[np.newaxis])
            row = np.hstack(columns)
            window = np.concatenate([window, row.astype(np.float32)])[
                -self.plan.window :
            ]
        return transform.inverse(np.concatenate(blocks), history)

    def _forecast_direct(
        self, predictor, histories, transforms, n_steps, covariates, static
    ):
        """Blocks of the network's steps, each reading the window and the known
        covariates of the block it forecasts (a partial last block reads
        copies of the last given step)."""
        window, steps = self.plan.window, self.plan.network_steps
        n_targets = histories[0].shape[1]
        n_blocks = -(-n_steps // steps)
        values = np.stack(
            [
                transform.transform(history[-(window + transform.n_lost) :])
                for history, transform in zip(histories, transforms, strict=True)
            ]
        )
        rows = np.stack(
            [
                self._scaled_rows(known, len(history), len(history) + n_blocks * steps)[
                    len(history) - window :
                ]
                for history, known in zip(histories, covariates, strict=True)
            ]
        )
        blocks = []
        for b in range(n_blocks):
            inputs = assemble(
                values[:, -window:],
                rows[:, b * steps : b * steps + window + steps],
                self.plan.covariates,
                static,
            )
            block = predictor(inputs).reshape(len(histories), steps, n_targets)
            blocks.append(block.astype(np.float64))
            values = np.concatenate([values, blocks[-1]], axis=1)
        future = np.concatenate(blocks, axis=1)[:, :n_steps]
        return np.stack(
            [
                transform.inverse(values, history)
                for values, transform, history in zip(
                    future, transforms, histories, strict=True
                )
            ]
        )


class LevelNormalization(_Covariates):
    """``normalize="level"``: windows divided by their level and logged
    (:mod:`skrnn._forecasting.level`); nothing is fitted but the covariates'
    encodings."""

    error_space = (False, True)

    def attributes(self):
        return {"target_transforms_": None, **super().attributes()}

    def windows(self, observations):
        plan = self.plan
        covariates = None
        if plan.covariates is not None:
            covariates = [
                self._scaled_rows(rows, len(rows), len(rows)) if rows.shape[1] else rows
                for rows in observations.covariates
            ]
        return LevelWindows(
            [values[:, 0] for values in observations.targets],
            plan.window,
            plan.network_steps,
            plan.season_length,
            seed=plan.seed,
            covariates=covariates,
            spec=plan.covariates,
            static=self.static,
        )

    def forecast(self, predictor, histories, n_steps, positions, covariates=None):
        """Each window's level times the exponential of the network's log
        ratios, block after block (a block's forecasts extend the history)."""
        plan = self.plan
        if plan.covariates is not None:
            if covariates is None:  # static covariates only
                covariates = [np.empty((len(h) + n_steps, 0)) for h in histories]
            return self._forecast_with_covariates(
                predictor, histories, n_steps, positions, covariates
            )
        layout = input_layout(plan.window, plan.season_length)
        extended = [history[:, 0] for history in histories]
        blocks, done = [], 0
        while done < n_steps:
            inputs, levels = encode(
                np.stack(
                    [extend_back(h, plan.window)[-plan.window :] for h in extended]
                ),
                layout,
            )
            outputs = predictor(inputs).reshape(len(extended), plan.network_steps)
            block = levels[:, np.newaxis] * np.exp(outputs.astype(np.float64))
            blocks.append(block)
            done += plan.network_steps
            if done < n_steps:  # not after the last block: a copy of each history
                extended = [
                    np.concatenate([h, b]) for h, b in zip(extended, block, strict=True)
                ]
        return np.concatenate(blocks, axis=1)[:, :n_steps, np.newaxis]

    def _forecast_with_covariates(
        self, predictor, histories, n_steps, positions, covariates
    ):
        plan = self.plan
        window, steps = plan.window, plan.network_steps
        layout = input_layout(window, plan.season_length)
        n_blocks = -(-n_steps // steps)
        extended, rows = [], []
        for history, known in zip(histories, covariates, strict=True):
            n_seen = len(history)
            scaled_rows = self._scaled_rows(known, n_seen, n_seen + n_blocks * steps)
            missing = max(0, window - n_seen)  # extended back, as in training
            extended.append(extend_back(history[:, 0], window)[-window:])
            rows.append(
                extend_rows(scaled_rows, missing)[-(window + n_blocks * steps) :]
            )
        extended, rows = np.stack(extended), np.stack(rows)
        static = self._static_of(positions)
        blocks = []
        for b in range(n_blocks):
            inputs, levels = encode_with_covariates(
                extended[:, -window:],
                rows[:, b * steps : b * steps + window + steps],
                plan.covariates,
                static,
                layout,
            )
            outputs = predictor(inputs).reshape(len(histories), steps)
            block = levels[:, np.newaxis] * np.exp(outputs.astype(np.float64))
            blocks.append(block)
            extended = np.concatenate([extended, block], axis=1)
        return np.concatenate(blocks, axis=1)[:, :n_steps, np.newaxis]
