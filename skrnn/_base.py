"""The estimator shared by RNNRegressor and RNNClassifier: the scikit-learn contract.

``fit`` reads top to bottom: validate the parameters and every input -> encode
inputs and targets with fitted encoders -> let the engine (:mod:`skrnn._engine`)
build and train the network -> set the fitted attributes, all at once. Until
that last step the estimator is untouched, so a fit that fails leaves it as it
was. Subclasses only say how targets are encoded and decoded and which output
layer and loss they need.
"""

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, is_classifier
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _backend, _engine
from ._encoders import InputEncoder
from ._inputs import FIRST_CODE, validate_sequences
from ._model_state import KerasModelMixin
from ._params import (
    SEQUENCE_PARAMS,
    SHARED_PARAMS,
    check_conv_filters,
    check_units,
    constraints,
)
from ._recipes import (
    ARCHITECTURE,
    COMBINE,
    ENSEMBLE_COMBINATION,
    FITTED_PATIENCE,
    copy_offsets,
    is_one_of,
    per_step_outputs,
    refuse_changed_network,
    refuse_named_with_model,
    refuse_unshiftable,
    resolve_sequence_params,
    sequence_recipe_kind,
    shifted_copies,
)

# Parameters the fitted network was built for, or that shape what it reads
# and returns: changed after fit, predictions would not follow them.
_NETWORK_PARAMS = (
    "cell",
    "units",
    "bidirectional",
    "conv_filters",
    "conv_kernel_size",
    "pooling",
    "n_networks",
    "embedding_dim",
    "scale_inputs",
    "max_steps",
    "mask_value",
    "return_sequences",
    "scale_targets",
    "model",
)
# ``embedding_dim``'s default: numeric input, which is not embedded, keeps it.
_DEFAULT_EMBEDDING_DIM = 16
# ... and what a warm start cannot change in the training it continues (the
# optimizer's state, the loss it descends, the stateful copy of truncated
# backpropagation, the dropout its layers were built with).
_WARM_PARAMS = (
    *_NETWORK_PARAMS,
    "loss",
    "optimizer",
    "tbptt_steps",
    "dropout",
    "recurrent_dropout",
    "random_shift",
    "label_smoothing",
)


class BaseRNN(KerasModelMixin, BaseEstimator):
    """Parameters, fit loop, fast prediction and pickling of skrnn networks.

    Not meant to be used directly: use :class:`RNNRegressor` or
    :class:`RNNClassifier`.
    """

    _parameter_constraints = constraints(SHARED_PARAMS, SEQUENCE_PARAMS, overrides={})

    # The parameters' values at the fresh fit (see _NETWORK_PARAMS).
    _fitted_private_attributes = ("_fitted_params",)

    # Whether the early-stopping hold-out keeps class proportions.
    _stratify_validation = False

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
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.mask_value = mask_value
        self.embedding_dim = embedding_dim
        self.return_sequences = return_sequences
        self.tbptt_steps = tbptt_steps
        self.scale_inputs = scale_inputs
        self.max_steps = max_steps
        self.conv_filters = conv_filters
        self.conv_kernel_size = conv_kernel_size
        self.pooling = pooling
        self.random_shift = random_shift
        self.predict_shifts = predict_shifts
        self.lr_schedule = lr_schedule
        self.n_networks = n_networks
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

        Runs on the scratch copy of the estimator that ``fit`` works on, so it
        may record fitted attributes (``classes_``, ``n_outputs_``) on ``self``.
        ``lengths`` are the samples' numbers of steps, for per-step targets.
        """
        raise NotImplementedError

    def _encode_scale(self, targets, weights, *, reset):
        """Targets on the scale the network trains on (fitted on reset)."""
        return targets

    def _output_spec(self):
        """Return ``(n_outputs, output_activation, keras_loss)`` after targets are set."""
        raise NotImplementedError

    # -------------------------------------------------------------- public API
    @_fit_context(prefer_skip_nested_validation=True)
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
        incremental = self.warm_start and self._is_fitted()
        return self._fit(
            X, y, sample_weight, incremental=incremental, epochs=self.epochs
        )

    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=self._is_fitted(),
            epochs=1,
            validation=False,
            classes=classes,
        )

    @_fit_context(prefer_skip_nested_validation=True)
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
        return self._partial_fit(X, y, sample_weight)

    # --------------------------------------------------------------- training
    def _is_fitted(self):
        return hasattr(self, "model_")

    def _fit(
        self, X, y, sample_weight, *, incremental, epochs, validation=True, classes=None
    ):
        reset = not incremental
        est = self._scratch(reset)
        raw_X = X
        X = validate_sequences(est, X, reset=reset, training=not reset)
        targets, class_weights = est._encode_targets(
            y, reset=reset, lengths=X.lengths, classes=classes
        )
        if len(targets) != len(X):
            raise ValueError(
                f"X and y have different numbers of samples: {len(X)} and {len(targets)}."
            )
        weights = _sample_weights(sample_weight, len(X), class_weights)
        # What intervals are calibrated on, converted before anything trains.
        truth = (
            est._calibration_targets(y, X.lengths)
            if validation and est.early_stopping
            else None
        )
        targets = est._encode_scale(targets, weights, reset=reset)
        if self.tbptt_steps is not None:
            _check_truncated(est)
        if not reset:
            est._refuse_changed(_WARM_PARAMS, "warm")
            est._refuse_padding_unmasked(X)
        wanted = est._resolve_params(X)
        if reset:
            est._seed = _backend.resolve_seed(est.random_state)
            est._fitted_params = est._params_of(_WARM_PARAMS + ("learning_rate",))
            est.training_params_ = wanted
            est.conv_filters_ = wanted["conv_filters"]
            est.n_networks_ = wanted["n_networks"]
            est.input_encoder_ = est._make_input_encoder().fit(X, weights)
        else:
            # Continuing, "auto" is the network as built: the rule that resolved
            # it may have changed since (a network saved by an older version).
            params = est.get_params(deep=False)
            wanted.update(
                (name, est.training_params_[name])
                for name in ARCHITECTURE
                if is_one_of(params[name], ("auto",))
            )
            refuse_changed_network(
                {name: est.training_params_[name] for name in ARCHITECTURE},
                {name: wanted[name] for name in ARCHITECTURE},
            )
            # What this call trains with: epochs, batch size, schedule.
            est.training_params_ = {**est.training_params_, **wanted}
        data = est.input_encoder_.transform(X) if est._numeric else X
        spec = est._network_spec(data)
        model = _engine.build_model(spec) if reset else est.model_
        config = _engine.TrainingConfig(
            epochs=wanted["epochs"] if epochs == "auto" else epochs,
            batch_size=wanted["batch_size"],
            # A different seed for each call continues, not repeats, the shuffling.
            seed=int(est._seed + (0 if reset else est.n_iter_)),
            early_stopping=validation and est.early_stopping,
            validation=_engine.ValidationSplit(
                est.validation_fraction,
                stratify=est._stratify_targets(targets),
                # Every call holds out the same samples of the same data: a new
                # draw would hold out samples earlier calls trained on, and
                # early stopping and the intervals would read seen samples.
                seed=est._seed,
            ),
            n_iter_no_change=est.n_iter_no_change,
            tbptt_steps=est.tbptt_steps,
            lr_schedule=wanted["lr_schedule"],
            # "auto" epochs of the plateau schedule are a bound: the schedule,
            # once spent, ends the fit.
            stop_at_floor=epochs == "auto" and est.epochs == "auto",
            # The recipe's stop on a fitted training set (None where the
            # estimator's epochs are named): not for a call's own epochs.
            stop_below=wanted["stop_below"] if epochs == "auto" else None,
            stop_patience=FITTED_PATIENCE,
            verbose=est.verbose,
            group_batches=est.distribution is None,
            learning_rate=None if reset else est._restarted_rate(),
        )
        result = _engine.train(model, data, targets, weights, config, spec=spec)
        self._commit(est, model, result, reset=reset)
        self._calibrate(raw_X, truth, result.held_out)
        return self

    def _restarted_rate(self):
        """The learning rate a warm start restarts the optimizer at: the one
        named, if it changed since the last call that trained (fine-tuning);
        else None, to continue at the optimizer's own."""
        fitted = self.__dict__.get("_fitted_params")
        if fitted is None or "learning_rate" not in fitted:
            return None  # saved before the rate was recorded: continue
        previous, self._fitted_params = (
            fitted["learning_rate"],
            {**fitted, "learning_rate": self.learning_rate},
        )
        return None if previous == self.learning_rate else float(self.learning_rate)

    def _calibration_targets(self, y, lengths):
        """The targets intervals are calibrated on (None: no intervals)."""
        return None

    def _calibrate(self, X, y, held_out):
        """Record what intervals need from the samples training held out (if any)."""

    def _score_steps(self, X, y, sample_weight, metric):
        """``metric`` over every step of every sample (``return_sequences``):
        per-step targets of any lengths, each sample's weight on its steps."""
        predicted = list(self.predict(X))
        truth = list(y) if isinstance(y, list) else list(np.asarray(y))
        if len(truth) != len(predicted):
            raise ValueError(
                f"X and y have different numbers of samples: {len(predicted)} "
                f"and {len(truth)}."
            )
        # A string of labels is one label per character, as in fit.
        truth = [
            np.asarray(list(steps)) if isinstance(steps, str) else np.asarray(steps)
            for steps in truth
        ]
        for position, (steps, outputs) in enumerate(zip(truth, predicted, strict=True)):
            if steps.ndim == 0:
                raise ValueError(
                    f"y[{position}] is a single value: with return_sequences=True "
                    "y holds one target per step of each sample, (n_samples, "
                    "n_steps) or a list of per-sample arrays."
                )
            if len(steps) != len(outputs):
                raise ValueError(
                    f"y[{position}] has {len(steps)} steps, but X[{position}] has "
                    f"{len(outputs)}: per-step targets need one per step."
                )
        weights = None
        if sample_weight is not None:
            if np.shape(sample_weight) != (len(predicted),):
                raise ValueError(
                    f"sample_weight has shape {np.shape(sample_weight)}; it needs "
                    f"one weight per sample, ({len(predicted)},)."
                )
            weights = np.repeat(
                np.asarray(sample_weight, dtype=np.float64),
                [len(outputs) for outputs in predicted],
            )
        return float(
            metric(
                np.concatenate(truth), np.concatenate(predicted), sample_weight=weights
            )
        )

    def _refuse_padding_unmasked(self, X):
        """Sequences of different lengths for a network fitted without masking
        (equal lengths, or a convolutional front end): padded, it would train
        on the padding."""
        # Ragged numeric series are masked or resampled (no padding), symbols'
        # padding is masked by their embedding, mask_value marks padding.
        unmasked = not (self._padded_input or self.mask_value is not None)
        if X.dense is None and unmasked and len(set(X.lengths)) > 1:
            raise ValueError(
                "This network was fitted on sequences of one length and reads no "
                "padding: continuing its training on sequences of different "
                "lengths would train on the zeros they are padded with. Pass "
                "sequences of the fitted length, or fit a new network that reads "
                "padding: on sequences of different lengths, or with mask_value "
                "set (a fresh estimator, or warm_start=False)."
            )

    @property
    def _numeric(self):
        return self._input_kind != "symbols"

    @property
    def _resampled(self):
        """Ragged series read by a convolutional front end, which masks nothing:
        resampled to one length instead of padded."""
        return self._input_kind == "ragged" and bool(self.conv_filters_)

    @property
    def _masked(self):
        return (
            self._input_kind == "ragged" and not self._resampled
        ) or self.mask_value is not None

    def _whole_series(self):
        """Whether each sample is read whole into one output by skrnn's own network."""
        return (
            not self.return_sequences
            and self.tbptt_steps is None
            and self.model is None
        )

    def _resolve_params(self, X):
        """The "auto" parameters resolved for validated X (:mod:`skrnn._recipes`),
        checked: what ``training_params_`` records and the network is built from."""
        kind = sequence_recipe_kind(
            symbols=not self._numeric,
            whole_series=self._whole_series(),
            mask_value=self.mask_value,
        )
        named = self.get_params(deep=False)
        refuse_named_with_model(named)
        if not self._numeric:
            numeric_only = [
                f"{name}={named[name]!r}"
                for name, unused in (
                    ("mask_value", (None,)),
                    ("max_steps", ("auto", None)),
                    ("scale_inputs", ("auto", None, False)),
                )
                if not is_one_of(named[name], unused)
            ]
            if numeric_only:
                raise ValueError(
                    f"{', '.join(numeric_only)}: strings and tokens are encoded "
                    "as symbols and embedded, never padded with a value, "
                    "shortened or scaled; these parameters apply to numeric "
                    "sequences. Leave them unset."
                )
        default_embedding = _DEFAULT_EMBEDDING_DIM
        if self._numeric and named["embedding_dim"] != default_embedding:
            raise ValueError(
                f"embedding_dim={named['embedding_dim']!r}: numeric sequences are "
                "read as they are, not embedded (strings and tokens are). Leave "
                f"embedding_dim={default_embedding}."
            )
        if (
            self.tbptt_steps is not None
            and named["batch_size"] != "auto"
            and named["batch_size"] < len(X)
        ):
            raise ValueError(
                f"batch_size={named['batch_size']!r}: tbptt_steps trains every "
                f"sequence side by side, in one batch of a stateful network (here "
                f"{len(X)} sequences). Leave batch_size='auto'."
            )
        if per_step_outputs(named) and not is_one_of(
            named["max_steps"], ("auto", None)
        ):
            raise ValueError(
                f"max_steps={named['max_steps']!r}: with per-step outputs "
                "(return_sequences=True, tbptt_steps) every step has its own "
                "output, so sequences are never shortened. Leave max_steps='auto' "
                "(or None)."
            )
        params = resolve_sequence_params(
            named,
            kind,
            len(X),
            classifier=is_classifier(self),
            ragged=self._input_kind == "ragged",
        )
        if self.model is not None:  # recorded as what the user's network is
            params.update(cell=None, units=None, bidirectional=None, pooling=None)
            params["conv_filters"] = ()
        else:
            params["units"] = check_units(self, params["units"])
            params["conv_filters"] = check_conv_filters(self, params["conv_filters"])
        if self.tbptt_steps is not None:  # one batch of every sequence
            params["batch_size"] = len(X)
        if params["scale_inputs"] is True:
            params["scale_inputs"] = "standard"
        elif params["scale_inputs"] is False or not self._numeric:
            params["scale_inputs"] = None  # symbols are embedded, not scaled
        padded = self.mask_value is not None or (
            self._input_kind == "ragged" and self.return_sequences
        )
        if params["conv_filters"] and (not self._numeric or padded):
            raise ValueError(
                "conv_filters: a convolutional front end reads numeric sequences "
                "without padding; it cannot be combined with strings or tokens, "
                "mask_value, or sequences of different lengths with "
                "return_sequences=True. Use conv_filters=()."
            )
        # Copies named without a shift: refused before any training.
        shifted_copies(self.predict_shifts, params["random_shift"])
        if params["random_shift"] > 0:
            refuse_unshiftable(
                params["random_shift"],
                symbols=not self._numeric,
                mask_value=self.mask_value,
                per_step=per_step_outputs(named),
                padded=self._input_kind == "ragged" and not params["conv_filters"],
            )
        if params["n_networks"] > 1 and (
            self.return_sequences or self.tbptt_steps is not None
        ):
            raise ValueError(
                f"n_networks={params['n_networks']}: an ensemble combines one output "
                "per sample of its networks; it cannot be combined with "
                "return_sequences=True or tbptt_steps. Use n_networks=1."
            )
        return params

    def _conv_pool_size(self):
        """Steps the front end's first block max-pools into one: long series
        reduced to about ``max_steps`` after a convolution over every step."""
        return self.input_encoder_.pool_size_

    @property
    def _members(self):
        return self.n_networks_

    def _make_input_encoder(self):
        params = self.training_params_
        return InputEncoder(
            scale=params["scale_inputs"] if self._numeric else None,
            max_steps=None
            if self.return_sequences or self.tbptt_steps is not None
            else params["max_steps"],
            masked=self._numeric and self._masked,
            mask_value=self.mask_value,
            resample=self._resampled,
            pool=bool(self.conv_filters_),
        )

    def _network_input_shape(self, data):
        if self._input_kind == "symbols":
            return (None,)
        return (None,) + data.sample_shape

    def _network_spec(self, data):
        n_outputs, activation, loss = self._output_spec()
        symbols = self._input_kind == "symbols"
        params = self.training_params_
        return _engine.NetworkSpec(
            input_shape=self._network_input_shape(data),
            n_outputs=n_outputs,
            output_activation=activation,
            loss=loss,
            seed=self._seed,
            cell=params["cell"],
            units=params["units"],
            bidirectional=params["bidirectional"],
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            masked=self._numeric and self._masked,
            vocabulary_size=len(self.vocabulary_) + FIRST_CODE if symbols else None,
            embedding_dim=self.embedding_dim,
            return_sequences=self.return_sequences,
            conv_filters=self.conv_filters_,
            conv_kernel_size=self.conv_kernel_size,
            conv_pool_size=self._conv_pool_size(),
            pooling=params["pooling"],
            random_shift=params["random_shift"],
            n_members=self._members,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            distribution=self.distribution,
            builder=self.model,
        )

    def _stratify_targets(self, targets):
        return None

    # -------------------------------------------------------------- predicting
    def _forward(self, X):
        """Validate X and return the network's raw outputs as float64.

        An array ``(n_samples, ...)``, or for variable-length samples with
        ``return_sequences`` a list with one ``(n_steps_i, n_outputs)`` array each.
        """
        check_is_fitted(self)
        self._refuse_changed(
            # The kernel size of a front end the network does not have: unused.
            [
                p
                for p in _NETWORK_PARAMS
                if self.conv_filters_ or p != "conv_kernel_size"
            ],
            "predict",
        )
        n_copies = self._shifted_copies()
        X = validate_sequences(self, X, reset=False)
        if self._numeric:
            X = self.input_encoder_.transform(X)
        predictor = self._compiled_predictor()
        # A shape predicted again and again (serving) is compiled with XLA.
        # Series of one length are read whole, those of different lengths
        # resampled to one included (never padded: their front end would read
        # the padding). Samples of one length for a network that reads padding
        # take the padded lengths too: on JAX each new length compiled (0.45 s
        # a call serving single sequences of any length).
        if X.is_dense and (not self._padded_input or self._resampled):
            return self._combine(self._predict_copies(predictor, X.dense, n_copies))
        outputs = [None] * len(X)
        masked = self._padded_input
        for group in self._prediction_groups(X.lengths):
            inputs = X.batch(group)
            if masked:  # a few padded lengths where each shape compiles (JAX)
                inputs = _backend.pad_steps(
                    inputs, _backend.padded_steps(inputs.shape[1]), X.pad_value
                )
            batch = predictor(inputs, compile_hot=True)
            for index, output in zip(group, batch, strict=True):
                if self.return_sequences:  # drop the padded steps
                    output = output[: X.lengths[index]]
                outputs[index] = output.astype(np.float64)
        if self.return_sequences:  # a list only for sequences of different lengths
            return outputs if len(set(X.lengths.tolist())) > 1 else np.stack(outputs)
        return self._combine(np.stack(outputs))

    def _shifted_copies(self):
        """How many shifted copies of each series a prediction averages.

        ``predict_shifts`` is read at prediction only (it may change after
        ``fit``), so it is checked here, before the data are read.
        """
        validate_parameter_constraints(
            {"predict_shifts": self._parameter_constraints["predict_shifts"]},
            {"predict_shifts": self.predict_shifts},
            caller_name=type(self).__name__,
        )
        return shifted_copies(
            self.predict_shifts, self.training_params_["random_shift"]
        )

    def _predict_copies(self, predictor, dense, n_copies):
        """The network's outputs on ``dense`` series, averaged over ``n_copies``
        shifted copies (one: the series as they are)."""
        shift = self.training_params_["random_shift"]
        offsets = copy_offsets(n_copies, shift, dense.shape[1])
        if offsets == [0]:  # the series as they are: no copy of the input
            return predictor(dense, compile_hot=True)
        steps = np.arange(dense.shape[1])
        # One shifted copy of the input at a time; the outputs are small.
        outputs = [
            predictor(
                np.take(dense, np.clip(steps + o, 0, len(steps) - 1), axis=1),
                compile_hot=True,
            )
            for o in offsets
        ]
        return np.mean(outputs, axis=0, dtype=np.float64)

    def _combine(self, outputs):
        """The ensemble's output: its members' (probabilities, values) combined
        as the recipe says (:data:`~skrnn._recipes.ENSEMBLE_COMBINATION`)."""
        outputs = outputs.astype(np.float64)
        if self._members == 1:
            return outputs
        return COMBINE[ENSEMBLE_COMBINATION["sequence"]](outputs, axis=1)

    @property
    def _padded_input(self):
        """Samples of different lengths, padded per batch (the padding masked)."""
        return self._input_kind in ("ragged", "symbols")

    def _prediction_groups(self, lengths):
        """Samples predicted together: padding is harmless only where it is masked.

        A network trained on variable-length data masks padding, so samples sorted
        by length are predicted in padded chunks; otherwise samples of exactly the
        same length go together, unpadded.
        """
        if self._padded_input:
            order = np.argsort(lengths, kind="stable")
            return [
                order[i : i + _PREDICT_GROUP]
                for i in range(0, len(order), _PREDICT_GROUP)
            ]
        return [np.flatnonzero(lengths == length) for length in np.unique(lengths)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


# Samples per padded chunk when predicting variable-length data.
_PREDICT_GROUP = 256


def _sample_weights(sample_weight, n_samples, class_weights):
    """Per-sample loss weights of mean 1, or None; negative or NaN weights raise."""
    if sample_weight is None and class_weights is None:
        return None
    weights = _check_sample_weight(
        sample_weight, np.empty(n_samples), dtype=np.float64, ensure_non_negative=True
    )
    if class_weights is not None:
        weights = weights * class_weights
    total = weights.sum()
    if not total > 0:
        raise ValueError("The sample weights sum to zero: nothing to train on.")
    # Keras averages the weighted loss over the batch size; weights of mean 1
    # make a weight of k act as k repeated samples, whatever their scale.
    return (weights * (n_samples / total)).astype(np.float32)


def _check_truncated(estimator):
    if not estimator.return_sequences:
        raise ValueError(
            "tbptt_steps needs return_sequences=True: truncated backpropagation "
            "trains on per-step targets."
        )
    if estimator.model is not None or estimator.early_stopping:
        raise ValueError(
            "tbptt_steps cannot be combined with 'model' or 'early_stopping'."
        )
    if estimator.bidirectional is True:
        raise ValueError(
            "tbptt_steps cannot be combined with bidirectional=True: truncated "
            "backpropagation carries each chunk's state forward to the next "
            "chunk, which a backward direction (reading the sequence from its "
            "end) cannot take. Leave bidirectional unset (one direction)."
        )
