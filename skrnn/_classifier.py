"""RNNClassifier: recurrent networks for class labels."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseRNN
from ._inputs import per_step_targets

_SINGLE_LABEL = ("binary", "multiclass")


def _check_label_types(y):
    """Labels mixing strings and numbers would sort and compare arbitrarily."""
    values = np.asarray(y, dtype=object).ravel()
    kinds = {isinstance(value, str) for value in values}
    if len(kinds) > 1:
        raise ValueError(
            "y mixes string and numeric labels (e.g. 1 and '1'); use one type for "
            "all labels."
        )


def _is_class(key, classes):
    """Whether a class_weight key names one of ``classes`` (same value and kind)."""
    for label in classes:
        if isinstance(key, str) != isinstance(label, str):
            continue
        try:
            if key == label:
                return True
        except (TypeError, ValueError):
            continue
    return False


class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier (SimpleRNN, LSTM or GRU on Keras 3).

    A stack of recurrent layers reads each sequence; a dense layer with a
    sigmoid (binary and multilabel) or softmax (multiclass) activation gives the
    class probabilities.

    X may be a 3-D array ``(n_samples, n_steps, n_features)``, a 2-D array or
    DataFrame ``(n_samples, n_steps)`` with one feature per step, a list of
    sequences of different lengths (padded per batch and masked), or strings /
    token lists such as DNA or peptides (integer-encoded and embedded; symbols
    unseen in ``fit`` map to an out-of-vocabulary code).

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
        Time steps whose features all equal this value are skipped.
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
        probabilities are averaged: an ensemble, less dependent on one draw of
        the weights (small training sets vary most from seed to seed). They
        train as one Keras model with the mean of their losses, so ``fit`` costs
        about ``n_networks`` times one network; ``history_``, early stopping
        and the plateau schedule follow that mean loss. "auto" is 3 with the
        convolutional front end (the UCR recipe, benchmarks/ucr_research.md)
        and 1 otherwise. More than 1 needs one output per sample (not
        ``return_sequences``, ``tbptt_steps`` or ``model``).
    model : callable or None, default=None
        Your own architecture: called as ``model(input_shape=(None, n_features),
        n_outputs=k, output_activation=a)``, returning an uncompiled
        ``keras.Model`` ending in ``k`` units with activation ``a``.
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
    loss : {"auto", "log_loss"}, default="auto"
        Training loss: the cross-entropy matching the target type.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as ``{label: weight}``; "balanced"
        weighs classes inversely to their frequency. Not for multilabel targets.
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data and stop
        when its loss has not improved for ``n_iter_no_change`` epochs, restoring
        the best weights.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    warm_start : bool, default=False
        When fitted already, ``fit`` continues training for ``epochs`` more epochs.
    distribution : {"default", "mirrored"} or None, default=None
        Train through ``tf.distribute``: "mirrored" replicates the network on all
        visible GPUs (``MirroredStrategy``; batches are split across them, so
        scale ``batch_size`` with the number of GPUs); "default" uses the
        strategy in effect, e.g. one the caller entered with
        ``strategy.scope()``. None (default) uses no strategy.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout.
    verbose : int, default=0
        Keras' verbosity: 0 silent, 1 a progress bar, 2 one line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the label indices).
    model_ : keras.Model
        The trained network. With ``n_networks_ > 1`` it holds the networks
        side by side, its output of shape ``(batch, n_networks_, n_outputs_)``
        stacking theirs; predictions average them.
    history_ : dict of str to list of float
        Loss (and ``val_loss`` with early stopping) per epoch.
    n_iter_ : int
        Number of epochs trained.
    n_features_in_ : int
        Number of columns of 2-D X, or number of features per time step of 3-D X.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame X, when it had string column names.
    input_shape_ : tuple of int
        ``(n_steps, n_features)`` of one training sample.
    n_networks_ : int
        Number of networks in the ensemble (``n_networks`` with "auto" resolved).
    n_outputs_ : int
        Units of the output layer.
    vocabulary_ : ndarray of object
        The symbols seen in ``fit``, when X held strings or token lists.

    See Also
    --------
    RNNRegressor : The same networks for numeric targets.
    sklearn.neural_network.MLPClassifier : A feed-forward network classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 8, 2))
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(units=8, epochs=20, n_networks=1, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions({"auto", "log_loss"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _stratify_validation = True

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
        model=None,
        epochs="auto",
        batch_size="auto",
        optimizer="adam",
        learning_rate=1e-3,
        loss="auto",
        class_weight=None,
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
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for a single epoch, continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Training sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes that y may hold. Required on the first call, since a
            single batch need not show every class.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not self._is_fitted():
            if classes is None and type_of_target(y) in _SINGLE_LABEL:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
        return self._partial_fit(X, y, sample_weight, classes=classes)

    # ------------------------------------------------------------- targets
    def _encode_targets(self, y, *, reset, lengths, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if self.return_sequences:
            return self._encode_step_labels(
                y, lengths, reset=reset, classes=classes
            ), None
        if not hasattr(y, "__array__") and not isinstance(y, (list, tuple)):
            y = list(y)
        _check_label_types(y)
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        if target_type == "multilabel-indicator":
            return self._encode_multilabel(y, reset=reset)
        if target_type not in _SINGLE_LABEL:
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and multilabel-"
                f"indicator targets; got {target_type!r}."
            )
        y = column_or_1d(y, warn=True)
        codes = self._encode_labels(y, reset=reset, classes=classes)
        targets = codes.astype(np.float32).reshape(-1, 1)
        return targets, self._class_weights(y, codes)

    def _encode_labels(self, y, *, reset, classes):
        """Integer codes of 1-D labels y; on reset, learn ``classes_`` first."""
        if reset:
            encoder = LabelEncoder().fit(y if classes is None else classes)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contain only one class: '{encoder.classes_[0]}'."
                )
            if classes is not None and not np.isin(y, encoder.classes_).all():
                raise ValueError(
                    "y contains labels that are not in `classes`: "
                    f"{sorted(set(np.unique(y)) - set(encoder.classes_))}."
                )
            self.classes_ = encoder.classes_
            self._multilabel = False
            self.n_outputs_ = 1 if len(self.classes_) == 2 else len(self.classes_)
        elif self._multilabel:
            raise ValueError(
                "y is single-label, but the classifier was fitted multilabel."
            )
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(
                f"y contains labels not seen in the first fit: {np.unique(y[unseen]).tolist()}."
            )
        return np.searchsorted(self.classes_, y)

    def _encode_step_labels(self, y, lengths, *, reset, classes):
        """Per-step labels: one code per time step, padded steps are masked."""
        if self.class_weight is not None:
            raise ValueError(
                "class_weight is not supported with return_sequences=True; pass "
                "sample_weight instead."
            )
        steps = per_step_targets(y, lengths, estimator=self, numeric=False)
        if any(np.ndim(labels) != 1 for labels in steps):
            raise ValueError(
                "With return_sequences=True, y holds one label per time step: "
                "(n_samples, n_steps) or a list of 1-D label arrays."
            )
        flat = np.concatenate([np.asarray(labels) for labels in steps])
        check_classification_targets(flat)
        codes = self._encode_labels(flat, reset=reset, classes=classes)
        codes = codes.astype(np.float32)[:, np.newaxis]
        per_sample = np.split(codes, np.cumsum(lengths)[:-1])
        if isinstance(steps, list):
            return per_sample
        return np.stack(per_sample)

    def _encode_multilabel(self, y, *, reset):
        y = check_array(y, dtype=np.float32, input_name="y", estimator=self)
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported for multilabel targets.")
        if reset:
            self.classes_ = np.arange(y.shape[1])
            self._multilabel = True
            self.n_outputs_ = y.shape[1]
        elif not self._multilabel or y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} labels, which does not match the fitted classifier."
            )
        return y, None

    def _class_weights(self, y, codes):
        if self.class_weight is None:
            return None
        if self.class_weight == "balanced":
            present = np.unique(codes)
            weights = np.ones(len(self.classes_))
            weights[present] = compute_class_weight(
                "balanced", classes=self.classes_[present], y=y
            )
        else:
            weights = self._weights_of_classes(self.class_weight)
        return weights[codes]

    def _weights_of_classes(self, class_weight):
        """Weights in ``classes_`` order from a ``{label: weight}`` dict, validated."""
        unknown = [key for key in class_weight if not _is_class(key, self.classes_)]
        if unknown:
            raise ValueError(
                f"class_weight names labels that are not classes of y: {unknown!r}; "
                f"the classes are {self.classes_.tolist()!r}."
            )
        weights = np.ones(len(self.classes_))
        for position, label in enumerate(self.classes_):
            for key, value in class_weight.items():
                if _is_class(key, [label]):
                    weights[position] = value
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(
                f"class_weight values must be finite and non-negative; got "
                f"{class_weight!r}."
            )
        return weights

    def _stratify_targets(self, targets):
        if self._multilabel or self.return_sequences:
            return None
        return targets[:, 0]

    def _output_spec(self):
        if self._multilabel:
            return self.n_outputs_, "sigmoid", "binary_crossentropy"
        if self.n_outputs_ == 1:
            return 1, "sigmoid", "binary_crossentropy"
        return self.n_outputs_, "softmax", "sparse_categorical_crossentropy"

    # ---------------------------------------------------------- predicting
    def predict_proba(self, X):
        """Class probabilities for sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class in ``classes_`` order; for multilabel
            targets, the probability of each label independently. With
            ``return_sequences=True``, per time step: ``(n_samples, n_steps,
            n_classes)``, or a list of per-sample arrays for sequences of
            different lengths.
        """
        raw = self._forward(X)
        if isinstance(raw, list):
            return [self._probabilities(steps) for steps in raw]
        return self._probabilities(raw)

    def _probabilities(self, raw):
        if self._multilabel:
            return raw
        if self.n_outputs_ == 1:
            raw = np.concatenate([1.0 - raw, raw], axis=-1)
        return raw / raw.sum(axis=-1, keepdims=True)

    def predict(self, X):
        """Predict class labels for sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels; a 0/1 indicator matrix for multilabel targets. With
            ``return_sequences=True``, one label per time step:
            ``(n_samples, n_steps)`` or a list of per-sample label arrays.
        """
        proba = self.predict_proba(X)
        if isinstance(proba, list):
            return [self.classes_[np.argmax(steps, axis=-1)] for steps in proba]
        if self._multilabel:
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=-1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
