"""How series are put on a network's scale and forecasts taken back: one class each.

Both classes have one interface, so the forecaster takes one path whatever
the normalisation:

* ``fit(plan, observations)`` (a class method): fit what the normalisation
  learns from the training series (nothing, for the level one);
* ``windows(observations)``: the training windows (:mod:`skrnn._forecast_windows`);
* ``forecast(predictor, histories, n_steps, positions, covariates=None)``: one
  network's forecasts of ``n_steps`` after each history, on the original
  scale, ``(n_histories, n_steps, n_targets)``; ``positions[i]`` is the fitted
  series history ``i`` continues;
* ``error_space``: ``(log, positive)``, how interval errors are measured;
* ``attributes()``: the fitted attributes that hold it.
"""

import numpy as np
from sklearn.preprocessing import StandardScaler

from ._forecast_windows import StandardWindows
from ._level import LevelWindows, encode, extend_back, input_layout
from ._target import TargetTransform


def normalization_for(plan, observations):
    """The normalisation of a fresh fit, fitted on the training series."""
    if plan.normalize == "level":
        return LevelNormalization(plan)
    return StandardNormalization.fit(plan, observations)


def normalization_of(plan, attributes):
    """The normalisation a fitted forecaster holds (its fitted attributes)."""
    if plan.normalize == "level":
        return LevelNormalization(plan)
    return StandardNormalization(
        plan, attributes["target_transforms_"], attributes["covariate_scaler_"]
    )


class StandardNormalization:
    """``normalize="standard"``: per series log, differences, standardisation.

    Each series has its own :class:`~skrnn._target.TargetTransform`; the
    covariates (one series only) a :class:`~sklearn.preprocessing.StandardScaler`
    when ``scale``. The network reads, at each step, the transformed target and
    the covariates of the step after it.
    """

    def __init__(self, plan, transforms, covariate_scaler=None):
        self.plan = plan
        self.transforms = list(transforms)
        self.covariate_scaler = covariate_scaler

    @classmethod
    def fit(cls, plan, observations):
        transforms = [
            TargetTransform(plan.log, plan.differences, plan.scale).fit(values)
            for values in observations.targets
        ]
        scaler = None
        if observations.covariates is not None and plan.scale:
            scaler = StandardScaler().fit(observations.covariates[0])
        return cls(plan, transforms, scaler)

    @property
    def error_space(self):
        return bool(self.plan.log), False

    def attributes(self):
        return {
            "target_transforms_": list(self.transforms),
            "covariate_scaler_": self.covariate_scaler,
        }

    def _scaled(self, covariates):
        if self.covariate_scaler is None:
            return covariates
        return self.covariate_scaler.transform(covariates)

    def _inputs(self, target, covariates, transform):
        """Per-step network inputs: the transformed target and the next step's
        covariates (row j: target of step j after the rows differencing
        consumes, covariates of step j + 1)."""
        transformed = transform.transform(target)
        if covariates is None:
            return transformed
        following = self._scaled(covariates)[transform.n_lost + 1 :]
        rows = min(len(transformed), len(following))
        return np.hstack([transformed[:rows], following[:rows]])

    def windows(self, observations):
        covariates = observations.covariates or [None] * len(observations.targets)
        inputs, outputs = [], []
        for target, known, transform in zip(
            observations.targets, covariates, self.transforms, strict=True
        ):
            inputs.append(self._inputs(target, known, transform).astype(np.float32))
            outputs.append(transform.transform(target).astype(np.float32))
        return StandardWindows(
            inputs, outputs, self.plan.window, self.plan.network_steps
        )

    def forecast(self, predictor, histories, n_steps, positions, covariates=None):
        transforms = [self.transforms[p] for p in positions]
        if covariates is not None:
            return self._forecast_with_covariates(
                predictor, histories[0], transforms[0], n_steps, covariates
            )[np.newaxis]
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

    def _forecast_with_covariates(self, predictor, history, transform, n_steps, known):
        """A recursive forecast fed the covariates: ``known`` holds those of the
        history's steps and of the ``n_steps`` after it."""
        n_seen, n_targets = len(history), history.shape[1]
        future = self._scaled(known[n_seen:])
        inputs = self._inputs(history, known[: n_seen + 1], transform)
        window = inputs[-self.plan.window :].astype(np.float32)
        blocks = []
        while True:
            block = predictor(window[np.newaxis]).astype(np.float64)
            blocks.append(block.reshape(1, n_targets))
            done = len(blocks)
            if done >= n_steps:
                break
            row = np.hstack([blocks[-1], future[done : done + 1]])
            window = np.concatenate([window, row.astype(np.float32)])[
                -self.plan.window :
            ]
        return transform.inverse(np.concatenate(blocks), history)


class LevelNormalization:
    """``normalize="level"``: windows divided by their level and logged
    (:mod:`skrnn._level`); nothing is fitted."""

    error_space = (False, True)

    def __init__(self, plan):
        self.plan = plan

    def attributes(self):
        return {"target_transforms_": None, "covariate_scaler_": None}

    def windows(self, observations):
        plan = self.plan
        return LevelWindows(
            [values[:, 0] for values in observations.targets],
            plan.window,
            plan.network_steps,
            plan.season_length,
            seed=plan.seed,
        )

    def forecast(self, predictor, histories, n_steps, positions, covariates=None):
        """Each window's level times the exponential of the network's log
        ratios, block after block (a block's forecasts extend the history)."""
        plan = self.plan
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
            extended = [
                np.concatenate([h, b]) for h, b in zip(extended, block, strict=True)
            ]
        return np.concatenate(blocks, axis=1)[:, :n_steps, np.newaxis]
