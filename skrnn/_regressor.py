"""RNNRegressor: recurrent networks for numeric targets."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from . import _conformal
from ._base import BaseRNN
from ._docstrings import fill_doc
from ._encoders import TargetScaler
from ._inputs import per_step_targets
from ._recipes import LOSSES


@fill_doc
class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor (SimpleRNN, LSTM or GRU on Keras 3).

    A stack of recurrent layers reads each sequence; a dense layer maps the
    last hidden state (or, with ``return_sequences``, every step's state) to one
    or more numeric targets.

    X may be a 3-D array ``(n_samples, n_steps, n_features)``, a 2-D array or
    DataFrame ``(n_samples, n_steps)`` with one feature per step, a list of
    sequences of different lengths (padded per batch and masked), or strings /
    token lists (integer-encoded and embedded).

    Parameters
    ----------
    {{network_parameters}}
    scale_targets : bool, default=True
        Standardise the targets for training and map predictions back, so
        targets of any scale train with the default learning rate.
    {{model_parameter}}
    {{training_parameters}}
    loss : {"auto", "squared_error", "absolute_error", "huber", "mse", "mae"}, \
            default="auto"
        Training loss; "auto" is the squared error.
    {{fitting_parameters}}

    Attributes
    ----------
    {{auto_attributes}}
    model_ : keras.Model
        The trained network. With ``n_networks_ > 1`` it holds the networks
        side by side, its output of shape ``(batch, n_networks_, n_outputs_)``
        stacking theirs; predictions average them.
    history_ : dict of str to list of float
        Loss (and ``val_loss`` with early stopping) per epoch, over all calls to
        ``fit``/``partial_fit`` since the network was built.
    n_iter_ : int
        Number of epochs trained.
    n_features_in_ : int
        Number of columns of 2-D X (one feature per time step, so the number of
        steps), or number of features per time step of 3-D X.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X. Defined only when X had string column names.
    input_shape_ : tuple of int
        ``(n_steps, n_features)`` of one training sample.
    n_networks_ : int
        Number of networks in the ensemble (``n_networks`` with "auto" resolved).
    n_outputs_ : int
        Number of targets (per time step with ``return_sequences``).
    vocabulary_ : ndarray of object
        The symbols seen in ``fit``, when X held strings or token lists.
    calibration_errors_ : ndarray of shape (n_held_out, n_outputs) or None
        Absolute errors of the network on the samples early stopping held out
        (one row per sample, or per sample and step with ``return_sequences``);
        they calibrate :meth:`predict_interval`. None without early stopping,
        after :meth:`partial_fit` (which holds out nothing), and for per-step
        outputs of sequences of different lengths.

    See Also
    --------
    RNNClassifier : The same networks for class labels.
    sklearn.neural_network.MLPRegressor : A feed-forward network regressor.

    Notes
    -----
    {{auto_rule}}

    Predictions on fewer than a few thousand samples bypass ``Model.predict`` and
    call a traced ``tf.function`` directly, which keeps single-sample latency
    under a millisecond or two on a CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 1))
    >>> y = X[:, -3:, 0].sum(axis=1)
    >>> reg = RNNRegressor(epochs=5, random_state=0).fit(X, y)  # the recipe
    >>> reg.training_params_["conv_filters"], reg.training_params_["n_networks"]
    ((128, 128), 2)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> plain = RNNRegressor(cell="simple", units=3, epochs=5).fit(X, y)  # named
    >>> plain.model_.count_params()
    19
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions(set(LOSSES))],
        "scale_targets": ["boolean"],
    }

    def __init__(
        self,
        cell="auto",
        units="auto",
        *,
        bidirectional="auto",
        dropout=0.0,
        recurrent_dropout=0.0,
        mask_value=None,
        embedding_dim=16,
        return_sequences=False,
        tbptt_steps=None,
        scale_inputs="auto",
        max_steps="auto",
        conv_filters="auto",
        conv_kernel_size=8,
        pooling="auto",
        random_shift="auto",
        predict_shifts="auto",
        lr_schedule="auto",
        n_networks="auto",
        scale_targets=True,
        model=None,
        epochs="auto",
        batch_size="auto",
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        warm_start=False,
        distribution=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            cell=cell,
            units=units,
            bidirectional=bidirectional,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            mask_value=mask_value,
            embedding_dim=embedding_dim,
            return_sequences=return_sequences,
            tbptt_steps=tbptt_steps,
            scale_inputs=scale_inputs,
            max_steps=max_steps,
            conv_filters=conv_filters,
            conv_kernel_size=conv_kernel_size,
            pooling=pooling,
            random_shift=random_shift,
            predict_shifts=predict_shifts,
            lr_schedule=lr_schedule,
            n_networks=n_networks,
            model=model,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            learning_rate=learning_rate,
            loss=loss,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            warm_start=warm_start,
            distribution=distribution,
            random_state=random_state,
            verbose=verbose,
        )
        self.scale_targets = scale_targets

    def _encode_targets(self, y, *, reset, lengths, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.return_sequences:
            targets = per_step_targets(y, lengths, estimator=self, numeric=True)
            first = targets[0]
            sample_ndim = first.ndim  # 1: a number per step, 2: a vector per step
        else:
            # Before check_array, whose message says no more (np.ndim would
            # call an array-like's __array_function__: arrays and frames only).
            if getattr(y, "ndim", 0) > 2:
                raise ValueError(
                    f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got "
                    f"shape {y.shape}. The targets of skrnn.make_windows on a 2-D "
                    "series are (n_windows, horizon, n_features): pass "
                    "y.reshape(len(y), -1) for one output per step and feature. For "
                    "one target per time step set return_sequences=True."
                )
            targets = check_array(
                y, ensure_2d=False, dtype=np.float32, input_name="y", estimator=self
            )
            first, sample_ndim = targets[0], targets.ndim - 1
        if sample_ndim not in (0, 1) + ((2,) if self.return_sequences else ()):
            raise ValueError(
                f"Each sample's targets must be at most 2-D; got {first.shape}."
            )
        n_outputs = 1 if sample_ndim == int(self.return_sequences) else first.shape[-1]
        if reset:
            self.n_outputs_ = n_outputs
            self._y_sample_ndim = sample_ndim
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}."
            )
        scalar = sample_ndim == int(self.return_sequences)
        return _with_output_axis(targets, scalar), None

    def _encode_scale(self, targets, weights, *, reset):
        if reset:
            self.target_scaler_ = TargetScaler(self.scale_targets).fit(targets, weights)
        return self.target_scaler_.transform(targets)

    def _output_spec(self):
        return self.n_outputs_, None, LOSSES[self.loss]

    def predict(self, X):
        """Predict targets for sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, 1-D when the model was fitted on a 1-D y. With
            ``return_sequences=True``, one prediction per time step:
            ``(n_samples, n_steps[, n_outputs])``, or a list of per-sample arrays
            for sequences of different lengths.
        """
        y_pred = self._forward(X)
        y_pred = self.target_scaler_.inverse(y_pred)
        if self._y_sample_ndim == int(self.return_sequences):
            if isinstance(y_pred, list):
                return [steps[:, 0] for steps in y_pred]
            return y_pred[..., 0]
        return y_pred

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to predict.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets; with ``return_sequences=True``, one per time step
            (``(n_samples, n_steps[, n_outputs])`` or a list of per-sample
            arrays for sequences of different lengths).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (on each of a sample's steps with
            ``return_sequences``).

        Returns
        -------
        score : float
            R^2 of the predictions (over every time step's target with
            ``return_sequences``; averaged over outputs).
        """
        if self.return_sequences:
            return self._score_steps(X, y, sample_weight, r2_score)
        return super().score(X, y, sample_weight=sample_weight)

    def _calibration_targets(self, y, lengths):
        """y as float64 arrays (validated already: this cannot fail), or None
        for per-step targets of sequences of different lengths, whose
        intervals are not calibrated."""
        if not self.return_sequences:
            return check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if lengths.min() != lengths.max():
            return None
        return per_step_targets(
            y, lengths, estimator=self, numeric=True, dtype=np.float64
        )

    def _calibrate(self, X, targets, held_out):
        self.calibration_errors_ = None
        self._uncalibrated = None  # why, where early stopping was asked for
        if held_out is None or len(held_out) == 0:
            if self.early_stopping:
                self._uncalibrated = (
                    "the last call that trained it, partial_fit, held out no "
                    "samples (it trains on every one): fit it again to calibrate"
                )
            return
        if targets is None:  # per-step targets of different lengths: not yet
            self._uncalibrated = (
                "per-step outputs of sequences of different lengths are not "
                "calibrated (those of sequences of one length are)"
            )
            return
        y_pred = self.predict(_safe_indexing(X, held_out))
        actual = targets[held_out]
        errors = np.abs(actual.reshape(y_pred.shape) - y_pred)
        self.calibration_errors_ = errors.reshape(-1, self.n_outputs_)

    def predict_interval(self, X, coverage=0.95):
        """Prediction intervals from the errors on the held-out samples.

        Split conformal regression: the interval is the prediction plus or
        minus the conformal quantile of the absolute errors (per output) the
        network made on the samples early stopping held out of training.
        Needs ``early_stopping=True``; a ``validation_fraction`` of 0.1 of a
        few hundred samples calibrates a 95% interval well. The held-out
        samples also chose the epoch early stopping kept, a small optimism.

        Parameters
        ----------
        X : array-like or list of sequences
            Sequences to predict, as in :meth:`predict`.
        coverage : float or list of float, default=0.95
            Share of targets each interval should contain.

        Returns
        -------
        intervals : ndarray
            Shape ``predict(X).shape + (2,)``: the lower and upper bound; with
            a list of coverages ``predict(X).shape + (2, n_coverages)``.

        Raises
        ------
        ValueError
            If the regressor was fitted without early stopping (no held-out
            errors), or with too few held-out samples for the coverage.

        Examples
        --------
        >>> import numpy as np
        >>> from skrnn import RNNRegressor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(100, 8, 1))
        >>> y = X[:, -3:, 0].sum(axis=1) + rng.normal(scale=0.1, size=100)
        >>> reg = RNNRegressor(units=4, epochs=3, early_stopping=True, n_networks=1,
        ...                    random_state=0).fit(X, y)
        >>> reg.predict_interval(X[:5], coverage=0.9).shape
        (5, 2)
        """
        check_is_fitted(self)
        coverages, many = _conformal.check_levels(coverage, "coverage", interval=True)
        errors = self.__dict__.get("calibration_errors_")
        if errors is None:
            reason = self.__dict__.get("_uncalibrated") or (
                "fit it with early_stopping=True (the samples it holds out, "
                "validation_fraction, calibrate the intervals)"
            )
            raise ValueError(
                "This RNNRegressor holds no out-of-sample errors to calibrate "
                f"intervals on: {reason}."
            )
        y_pred = self.predict(X)
        if isinstance(y_pred, list):
            raise ValueError(
                "predict_interval needs sequences of one length with "
                "return_sequences=True."
            )
        half = np.stack(
            [_conformal.absolute_quantile(errors, c) for c in coverages], axis=-1
        )  # (n_outputs, n_coverages)
        if y_pred.ndim == 1 or (self.return_sequences and y_pred.ndim == 2):
            half = half[0]
        bounds = np.stack(
            [y_pred[..., np.newaxis] - half, y_pred[..., np.newaxis] + half],
            axis=-2,
        )
        return bounds if many else bounds[..., 0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _with_output_axis(targets, scalar):
    """Targets with a trailing output axis, as the network's last layer yields them."""
    if not scalar:
        return targets
    if isinstance(targets, list):
        return [item[:, np.newaxis] for item in targets]
    return targets[..., np.newaxis]
