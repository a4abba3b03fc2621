"""RNNRegressor: recurrent networks for numeric targets."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from . import _intervals
from ._base import BaseRNN
from ._encoders import TargetScaler
from ._inputs import per_step_targets

_LOSSES = {
    "auto": "mean_squared_error",
    "squared_error": "mean_squared_error",
    "mse": "mean_squared_error",
    "absolute_error": "mean_absolute_error",
    "mae": "mean_absolute_error",
    "huber": "huber",
}


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
    cell : {"lstm", "gru", "simple"}, default="gru"
        Recurrent cell: ``keras.layers.LSTM``, ``GRU`` or ``SimpleRNN``.
    units : int or tuple of int, default=64
        Units of the recurrent layer; a tuple stacks layers, e.g. ``(64, 32)``.
    bidirectional : bool, default=True
        Wrap each recurrent layer in ``keras.layers.Bidirectional``.
    dropout : float in [0, 1), default=0.0
        Dropout on the inputs of each recurrent layer.
    recurrent_dropout : float in [0, 1), default=0.0
        Dropout on the recurrent state (disables the fused cuDNN kernels on GPU).
    mask_value : float or None, default=None
        Time steps whose features all equal this value are skipped (a
        ``keras.layers.Masking`` layer), e.g. the padding of
        :class:`WindowTransformer`.
    embedding_dim : int, default=16
        Size of the learned embedding of each symbol, when X holds strings
        (one symbol per character) or lists of tokens. Ignored for numbers.
    return_sequences : bool, default=False
        Predict one target per time step (sequence labelling, many-to-many
        regression): y then holds a target per step, ``(n_samples, n_steps)``
        or a list of per-sample arrays for sequences of different lengths.
    tbptt_steps : int or None, default=None
        Truncated backpropagation through time for very long sequences with
        per-step targets: train on chunks of this many steps, carrying the
        recurrent state from chunk to chunk, so memory is bounded by the chunk,
        not the sequence. Needs ``return_sequences=True`` and equal lengths.
    scale_inputs : {"instance", "standard"} or bool or None, default="instance"
        Input scaling inside the estimator, fitted on the training data and
        saved with the model. "instance" z-normalises each series and channel
        over its own steps and adds the series' mean and log standard deviation
        of each channel as constant channels (so the network sees the shape and
        the level apart: series whose scales differ by orders of magnitude,
        like appliance currents, become comparable), then standardises every
        channel with training statistics. "standard" (or True) standardises
        each channel with the training mean and standard deviation over all
        samples and steps. None or False leaves the values as they are.
        Ignored for strings and tokens.
    max_steps : int or None, default=128
        Long numeric sequences are shortened so the recurrent layers read at
        most about this many steps, by ``k = ceil(median training length /
        max_steps)``. With a convolutional front end, its first block reads
        every step and max-pools each run of ``k`` steps into one (a pattern
        is found wherever it starts); without, each run of ``k`` consecutive
        steps is folded into one step of ``k`` times the features (the last
        step repeated to fill the final run). Either way nothing is averaged
        away, and a 1,460-step series reaches the recurrent layers as 122
        steps -- far faster, and easier to learn for a recurrent layer.
        Shorter sequences are unchanged; None never shortens. Not applied with
        ``return_sequences`` or ``tbptt_steps`` (their outputs are per step).
    conv_filters : "auto" or tuple of int, default="auto"
        Convolutional front end before the recurrent layers: one
        ``Conv1D(filters, conv_kernel_size, padding="same")`` + batch
        normalisation + ReLU block per entry, e.g. ``(128, 128)``; ``()`` for
        none. "auto" is ``(128, 128)`` for numeric series with one target per
        series, and ``()`` with ``return_sequences``, ``tbptt_steps``,
        ``mask_value``, strings or tokens, or a ``model`` callable. Series of
        different lengths are then resampled linearly to the median training
        length (convolutions cannot skip padding) instead of padded and masked.
    conv_kernel_size : int, default=8
        Width, in steps, of each convolution of the front end (the first
        block's steps are the series'; a long series reaches the later blocks
        max-pooled, see ``max_steps``).
    pooling : {"auto", "mean", "last"}, default="auto"
        What the output layer reads: the mean of the last recurrent layer's
        outputs over the steps, or its final state. "auto": the mean over a
        convolutional front end (the UCR recipe), else the final state (the
        better reader of strings in our tests). Ignored with
        ``return_sequences``.
    lr_schedule : {"plateau"} or None, default="plateau"
        "plateau" halves the learning rate each time the training loss has not
        improved for 10 epochs, down to 1e-5 (``keras.callbacks.ReduceLROnPlateau``);
        None keeps it constant.
    n_networks : int or "auto", default="auto"
        Networks trained side by side, each from its own initial weights, whose
        predictions are averaged: an ensemble, less dependent on one draw of
        the weights (small training sets vary most from seed to seed). They
        train as one Keras model with the mean of their losses, so ``fit`` costs
        about ``n_networks`` times one network; ``history_``, early stopping
        and the plateau schedule follow that mean loss. "auto" is 3 with the
        convolutional front end (the UCR recipe, benchmarks/ucr_research.md)
        and 1 otherwise. More than 1 needs one output per sample (not
        ``return_sequences``, ``tbptt_steps`` or ``model``).
    scale_targets : bool, default=True
        Standardise the targets for training and map predictions back, so
        targets of any scale train with the default learning rate.
    model : callable or None, default=None
        Escape hatch for your own architecture: called as
        ``model(input_shape=(None, n_features), n_outputs=k, output_activation=a)``
        and returning an uncompiled ``keras.Model`` that ends in ``k`` units with
        activation ``a``. skrnn compiles and trains it; the other architecture
        parameters are then ignored.
    epochs : int or "auto", default="auto"
        Number of passes over the training data (the most, with early stopping).
        "auto" trains small sets longer, where each pass is cheap: enough passes
        to read 30,000 samples, at least 100 and at most 300 (100 from 300
        samples on; 300 up to 100 samples). ``n_iter_`` tells how many ran.
    batch_size : int or "auto", default="auto"
        Samples per gradient step; "auto" is a tenth of the training samples,
        at least 8 and at most 128.
    optimizer : {"adam", "adamw", "nadam", "rmsprop", "sgd", "adagrad"}, default="adam"
        Keras optimizer.
    learning_rate : float, default=1e-3
        Learning rate of the optimizer.
    loss : {"auto", "squared_error", "absolute_error", "huber", "mse", "mae"}, \
            default="auto"
        Training loss; "auto" is the squared error.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when the
        validation loss has not improved for ``n_iter_no_change`` epochs, restoring
        the best weights.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    warm_start : bool, default=False
        When fitted already, ``fit`` continues training the existing network for
        ``epochs`` more epochs instead of starting again.
    distribution : {"default", "mirrored"} or None, default=None
        Train through ``tf.distribute``: "mirrored" replicates the network on all
        visible GPUs (``MirroredStrategy``; batches are split across them, so
        scale ``batch_size`` with the number of GPUs); "default" uses the
        strategy in effect, e.g. one the caller entered with
        ``strategy.scope()``. None (default) uses no strategy.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout. An int makes fits
        reproducible, in one process and across processes.
    verbose : int, default=0
        Keras' verbosity: 0 silent, 1 a progress bar, 2 one line per epoch.

    Attributes
    ----------
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
        they calibrate :meth:`predict_interval`. None without early stopping.

    See Also
    --------
    RNNClassifier : The same networks for class labels.
    sklearn.neural_network.MLPRegressor : A feed-forward network regressor.

    Notes
    -----
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
    >>> reg = RNNRegressor(epochs=5, random_state=0).fit(X, y)
    >>> reg.conv_filters_, reg.n_networks_
    ((128, 128), 3)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
        "scale_targets": ["boolean"],
    }

    def __init__(
        self,
        cell="gru",
        units=64,
        *,
        bidirectional=True,
        dropout=0.0,
        recurrent_dropout=0.0,
        mask_value=None,
        embedding_dim=16,
        return_sequences=False,
        tbptt_steps=None,
        scale_inputs="instance",
        max_steps=128,
        conv_filters="auto",
        conv_kernel_size=8,
        pooling="auto",
        lr_schedule="plateau",
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
            targets = check_array(
                y, ensure_2d=False, dtype=np.float32, input_name="y", estimator=self
            )
            if targets.ndim not in (1, 2):
                raise ValueError(
                    f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got "
                    f"shape {targets.shape}. For one target per time step set "
                    "return_sequences=True."
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
        return self.n_outputs_, None, _LOSSES[self.loss]

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

    def _calibrate(self, X, y, held_out):
        self.calibration_errors_ = None
        if held_out is None or len(held_out) == 0:
            return
        y_pred = self.predict(_safe_indexing(X, held_out))
        if isinstance(y_pred, list):  # sequences of different lengths: not yet
            return
        actual = np.asarray(_safe_indexing(y, held_out), dtype=np.float64)
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
        coverages, many = _intervals.check_levels(coverage, "coverage", interval=True)
        errors = self.__dict__.get("calibration_errors_")
        if errors is None:
            raise ValueError(
                "This RNNRegressor holds no out-of-sample errors to calibrate "
                "intervals on: fit it with early_stopping=True (the samples it "
                "holds out, validation_fraction, calibrate the intervals)."
            )
        y_pred = self.predict(X)
        if isinstance(y_pred, list):
            raise ValueError(
                "predict_interval needs sequences of one length with "
                "return_sequences=True."
            )
        half = np.stack(
            [_intervals.absolute_quantile(errors, c) for c in coverages], axis=-1
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
