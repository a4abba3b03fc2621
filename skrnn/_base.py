"""The estimator shared by RNNRegressor and RNNClassifier: parameters and the fit loop.

The data path reads top to bottom: validate -> encode inputs -> build the Keras
model -> train -> decode outputs. Subclasses only say how targets are encoded
and decoded and which output layer and loss they need.
"""

import functools
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _backend
from ._batching import sequence_dataset
from ._inputs import FIRST_CODE, PAD_VALUE, validate_sequences
from ._network import build_network, make_optimizer
from ._persistence import model_from_bytes, model_to_bytes
from ._truncated import truncated_bptt_fit


def restore_on_failure(method):
    """Decorate a fitting method so that, if it raises, the estimator is left as it was.

    Validation happens while attributes are being set; without this, a bad second
    ``fit`` would leave a previously fitted estimator half-updated.
    """

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        saved_state = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved_state)
            raise

    return guarded


class BaseRNN(BaseEstimator):
    """Parameters, training loop, fast prediction and pickling of skrnn networks.

    Not meant to be used directly: use :class:`RNNRegressor` or
    :class:`RNNClassifier`.
    """

    _parameter_constraints = {
        "cell": [StrOptions({"lstm", "gru", "simple"})],
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "mask_value": [Real, None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "return_sequences": ["boolean"],
        "tbptt_steps": [Interval(Integral, 1, None, closed="left"), None],
        "model": [callable, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [
            StrOptions({"adam", "adamw", "nadam", "rmsprop", "sgd", "adagrad"})
        ],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "distribution": [StrOptions({"default", "mirrored"}), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # Attributes rebuilt when needed, never pickled or saved to a file.
    _transient_attributes = ("_predictor",)

    # Whether the early-stopping hold-out keeps class proportions, and whether it is
    # drawn at random (False: the last samples, for windows cut from one series).
    _stratify_validation = False
    _shuffle_validation = True

    def __init__(
        self,
        cell="lstm",
        units=32,
        *,
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        mask_value=None,
        embedding_dim=16,
        return_sequences=False,
        tbptt_steps=None,
        model=None,
        epochs=100,
        batch_size=32,
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
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.mask_value = mask_value
        self.embedding_dim = embedding_dim
        self.return_sequences = return_sequences
        self.tbptt_steps = tbptt_steps
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.distribution = distribution
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ hooks
    def _encode_targets(self, y, *, reset, lengths, classes=None):
        """Validate y and return ``(targets for Keras, per-sample class weights)``.

        ``lengths`` are the samples' numbers of steps, for per-step targets.
        """
        raise NotImplementedError

    def _output_spec(self):
        """Return ``(n_outputs, output_activation, keras_loss)`` after targets are set."""
        raise NotImplementedError

    # -------------------------------------------------------------- public API
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Training sequences; a 2-D array or DataFrame holds one feature per step.
        y : array-like
            Targets, see the estimator's documentation.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        incremental = self.warm_start and self._is_fitted()
        return self._fit(
            X, y, sample_weight, incremental=incremental, epochs=self.epochs
        )

    def partial_fit(self, X, y, sample_weight=None):
        """Train for a single epoch, continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Training sequences.
        y : array-like
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not self._is_fitted():
            self._validate_params()
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=self._is_fitted(),
            epochs=1,
            validation=False,
        )

    # --------------------------------------------------------------- training
    def _is_fitted(self):
        return hasattr(self, "model_")

    @restore_on_failure
    def _fit(
        self, X, y, sample_weight, *, incremental, epochs, validation=True, classes=None
    ):
        reset = not incremental
        X = validate_sequences(self, X, reset=reset)
        targets, class_weights = self._encode_targets(
            y, reset=reset, lengths=X.lengths, classes=classes
        )
        if len(targets) != len(X):
            raise ValueError(
                f"X and y have different numbers of samples: {len(X)} and {len(targets)}."
            )
        weights = self._sample_weights(sample_weight, X, class_weights)
        units = self._check_units()
        seed = _backend.resolve_seed(self.random_state)
        if reset:
            self._seed = seed
        with _backend.seeded(self._seed if incremental else seed):
            if reset:
                self.model_ = self._build_model(X, units)
                self.history_ = {}
                self.n_iter_ = 0
            self._train(X, targets, weights, epochs, validation=validation)
        self.__dict__.pop("_predictor", None)
        return self

    def _check_units(self):
        units = self.units
        if isinstance(units, (Integral, np.integer)):
            return (int(units),)
        if len(units) == 0 or not all(
            isinstance(u, (Integral, np.integer)) and not isinstance(u, bool) and u >= 1
            for u in units
        ):
            raise InvalidParameterError(
                f"The 'units' parameter of {type(self).__name__} must be a positive int "
                f"or a non-empty tuple of positive ints. Got {units!r} instead."
            )
        return tuple(int(u) for u in units)

    def _sample_weights(self, sample_weight, X, class_weights):
        if sample_weight is None and class_weights is None:
            return None
        weights = _check_sample_weight(
            sample_weight, np.empty(len(X)), dtype=np.float64
        )
        if class_weights is not None:
            weights = weights * class_weights
        total = weights.sum()
        if total <= 0:
            raise ValueError("The sample weights sum to zero: nothing to train on.")
        # Keras averages the weighted loss over the batch size; weights of mean 1
        # make a weight of k act as k repeated samples, whatever their scale.
        return (weights * (len(weights) / total)).astype(np.float32)

    def _build_model(self, X, units):
        with _backend.distribution_scope(self.distribution):
            return self._build_model_in_scope(X, units)

    def _build_model_in_scope(self, X, units):
        keras = _backend.get_keras()
        n_outputs, activation, loss = self._output_spec()
        if self.model is not None:
            model = self.model(
                input_shape=self._network_input_shape(X),
                n_outputs=n_outputs,
                output_activation=activation,
            )
            if not isinstance(model, keras.Model):
                raise TypeError(
                    "The 'model' callable must return a keras.Model; got "
                    f"{type(model).__name__}."
                )
        else:
            model = self._network(X, units)
        self._compile(model)
        return model

    def _network_input_shape(self, X):
        return (None,) if self._input_kind == "symbols" else (None,) + X.sample_shape

    def _network(self, X, units, **options):
        """Build this estimator's network for samples like X (uncompiled)."""
        n_outputs, activation, _ = self._output_spec()
        symbols = self._input_kind == "symbols"
        return build_network(
            input_shape=self._network_input_shape(X),
            n_outputs=n_outputs,
            output_activation=activation,
            cell=self.cell,
            units=units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            mask_value=PAD_VALUE if self._input_kind == "ragged" else self.mask_value,
            vocabulary_size=len(self.vocabulary_) + FIRST_CODE if symbols else None,
            embedding_dim=self.embedding_dim,
            return_sequences=self.return_sequences,
            seed=self._seed,
            **options,
        )

    def _compile(self, model):
        _, _, loss = self._output_spec()
        model.compile(
            optimizer=make_optimizer(self.optimizer, self.learning_rate), loss=loss
        )

    def _validation_split(self, targets):
        """Indices of the training and early-stopping parts."""
        indices = np.arange(len(targets))
        shuffle = self._shuffle_validation
        stratify = None
        if shuffle and self._stratify_validation:
            stratify = self._stratify_targets(targets)
        return train_test_split(
            indices,
            test_size=self.validation_fraction,
            random_state=self._seed if shuffle else None,
            shuffle=shuffle,
            stratify=stratify,
        )

    def _stratify_targets(self, targets):
        return None

    def _train(self, X, targets, weights, epochs, *, validation):
        with _backend.released_custom_gradients():
            self._train_epochs(X, targets, weights, epochs, validation=validation)

    def _train_epochs(self, X, targets, weights, epochs, *, validation):
        keras = _backend.get_keras()
        callbacks = []
        train, val = np.arange(len(X)), None
        if validation and self.early_stopping:
            train, val = self._validation_split(targets)
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=self.n_iter_no_change,
                    restore_best_weights=True,
                )
            )
        if self.tbptt_steps is not None:
            history = truncated_bptt_fit(self, X, targets, weights, epochs)
        elif (
            X.is_dense and not isinstance(targets, list) and not _is_large_view(X.dense)
        ):
            history = self._fit_arrays(
                X.dense, targets, weights, train, val, epochs, callbacks
            )
        else:
            history = self._fit_buckets(
                X, targets, weights, train, val, epochs, callbacks
            )
        for name, values in history.history.items():
            self.history_.setdefault(name, []).extend(float(v) for v in values)
        self.n_iter_ += len(history.epoch)

    def _fit_arrays(self, X, targets, weights, train, val, epochs, callbacks):
        """Equal-length samples: Keras' own array path, as fast as raw Keras."""
        if weights is not None and targets.ndim == 3:  # one weight per step
            weights = np.repeat(weights[:, np.newaxis], targets.shape[1], axis=1)
        validation_data = None
        if val is not None:
            validation_data = (X[val], targets[val])
            if weights is not None:
                validation_data += (weights[val],)
            X, targets = X[train], targets[train]
            weights = None if weights is None else weights[train]
        return self.model_.fit(
            X,
            targets,
            sample_weight=weights,
            batch_size=self.batch_size,
            epochs=epochs,
            validation_data=validation_data,
            callbacks=callbacks,
            shuffle=True,
            verbose=self.verbose,
        )

    def _fit_buckets(self, X, targets, weights, train, val, epochs, callbacks):
        """Variable-length samples: batches of similar length, padded and masked."""
        seed = int(self._seed + self.n_iter_)
        options = dict(batch_size=self.batch_size, seed=seed)
        dataset, steps = sequence_dataset(
            X, targets, weights, train, shuffle=True, **options
        )
        validation_data, validation_steps = None, None
        if val is not None:
            validation_data, validation_steps = sequence_dataset(
                X, targets, weights, val, shuffle=False, **options
            )
        return self.model_.fit(
            dataset,
            epochs=epochs,
            steps_per_epoch=steps,
            validation_data=validation_data,
            validation_steps=validation_steps,
            callbacks=callbacks,
            shuffle=False,  # the dataset reshuffles its batches every pass
            verbose=self.verbose,
        )

    # -------------------------------------------------------------- predicting
    def _forward(self, X):
        """Validate X and return the network's raw outputs as float64.

        An array ``(n_samples, ...)``, or for variable-length samples with
        ``return_sequences`` a list with one ``(n_steps_i, n_outputs)`` array each.
        """
        check_is_fitted(self)
        X = validate_sequences(self, X, reset=False)
        predictor = self._compiled_predictor()
        if X.is_dense:
            return predictor(X.dense).astype(np.float64)
        outputs = [None] * len(X)
        for group in self._prediction_groups(X.lengths):
            batch = predictor(X.batch(group))
            for index, output in zip(group, batch, strict=True):
                if self.return_sequences:  # drop the padded steps
                    output = output[: X.lengths[index]]
                outputs[index] = output.astype(np.float64)
        return outputs if self.return_sequences else np.stack(outputs)

    def _compiled_predictor(self):
        """The traced forward pass of ``model_``, built on first use after a fit or load."""
        predictor = self.__dict__.get("_predictor")
        if predictor is None or predictor.model is not self.model_:
            predictor = _backend.CompiledPredictor(self.model_)
            self._predictor = predictor
        return predictor

    def _prediction_groups(self, lengths):
        """Samples predicted together: padding is harmless only where it is masked.

        A network trained on variable-length data masks padding, so samples sorted
        by length are predicted in padded chunks; otherwise samples of exactly the
        same length go together, unpadded.
        """
        if self._input_kind in ("ragged", "symbols"):
            order = np.argsort(lengths, kind="stable")
            return [
                order[i : i + _PREDICT_GROUP]
                for i in range(0, len(order), _PREDICT_GROUP)
            ]
        return [np.flatnonzero(lengths == length) for length in np.unique(lengths)]

    # ------------------------------------------------------------- persistence
    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in self._transient_attributes:
            state.pop(name, None)
        model = state.pop("model_", None)
        if model is not None:
            state["_model_bytes"] = model_to_bytes(model)
        return state

    def __setstate__(self, state):
        state = dict(state)
        model_bytes = state.pop("_model_bytes", None)
        if model_bytes is not None:
            # A pickle is trusted code already; allow custom layers of a `model`.
            state["model_"] = model_from_bytes(model_bytes, safe_mode=False)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


# Samples per padded chunk when predicting variable-length data.
_PREDICT_GROUP = 256

# Above this size a strided view (overlapping windows of one series) is streamed
# batch by batch instead of being handed to Keras, which would copy it whole.
_MAX_VIEW_BYTES = 64 * 2**20


def _is_large_view(array):
    return not array.flags.c_contiguous and array.nbytes > _MAX_VIEW_BYTES
