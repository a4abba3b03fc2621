"""RNNClassifier: recurrent networks for class labels."""

import dataclasses
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseRNN
from ._docstrings import fill_doc
from ._inputs import per_step_targets

_SINGLE_LABEL = ("binary", "multiclass")


def _is_missing(value):
    """None, NaN, NaT or pandas' NA: what a label column holds where a label is missing."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas' NA: its comparisons are NA, whose truth is undefined
        return True


def _check_label_types(y, lengths=None):
    """Labels mixing strings and numbers would sort and compare arbitrarily.

    ``lengths``: y is per-step labels, flattened; a label is then located by its
    sample and step.
    """
    typed = np.asarray(y) if hasattr(y, "__array__") else None
    if typed is not None and typed.dtype.kind in "biuUS":
        return  # one kind of label, none missing
    if typed is not None and typed.dtype.kind in "fc":  # numbers: NaN is missing
        shape, values = typed.shape, typed.ravel()
        missing = np.flatnonzero(np.isnan(values)).tolist()
    else:  # a list or objects: each value looked at
        values = np.asarray(y, dtype=object)
        shape, values = values.shape, values.ravel()
        missing = [i for i, value in enumerate(values) if _is_missing(value)]
    if missing:
        if lengths is not None:
            ends = np.cumsum(lengths)
            sample = int(np.searchsorted(ends, missing[0], side="right"))
            step = missing[0] - (int(ends[sample - 1]) if sample else 0)
            where, needs = f"sample {sample}, step {step}", "every step"
            advice = "label it, or end that sequence before it (sequences may differ in length)"
        else:
            where = f"position {missing[0]}"
            if len(shape) == 2:
                row, column = np.unravel_index(missing[0], shape)
                where = f"row {row}, column {column}"
            needs, advice = "every sample", "drop the unlabelled samples"
        shown = values[missing[0]]
        shown = shown.item() if isinstance(shown, np.generic) else shown
        raise ValueError(
            f"y holds {shown!r} (a missing label) at {where}"
            f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}: "
            f"{needs} needs a label; {advice}."
        )
    if values.dtype != object:
        return  # numbers only
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


@fill_doc
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
    {{network_parameters}}
    {{model_parameter}}
    {{training_parameters}}
    loss : {"auto", "log_loss"}, default="auto"
        Training loss: the cross-entropy matching the target type.
    label_smoothing : float in [0, 1), default=0.0
        How much of each training label the loss spreads over the classes, as
        Keras' ``label_smoothing``: the true class's target becomes ``1 -
        label_smoothing + label_smoothing / k`` and each other class's
        ``label_smoothing / k`` (``k`` classes; two-class and multilabel
        targets: ``k`` = 2 for each label). The network is trained towards
        those targets, so its probabilities stay below 1. The loss (and
        ``history_["loss"]``) is the KL divergence from them, the smoothed
        cross-entropy less its floor: 0 where the network predicts them, so
        the recipe's stop on a fitted training set keeps its meaning. 0
        trains on the labels as they are. On the UCR validation splits 0.1
        gained OSULeaf 21 of 960 series and changed ACSF1 and PLAID by
        +1 of 210 and -3 of 1,782: not a default
        (``research/ucr_research.md``, rounds 23 and 23b).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as ``{label: weight}``; "balanced"
        weighs classes inversely to their frequency. Not for multilabel targets.
    {{fitting_parameters}}

    Attributes
    ----------
    {{auto_attributes}}
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

    Notes
    -----
    {{auto_rule}}

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
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _stratify_validation = True

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
        label_smoothing=0.0,
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
        self.label_smoothing = label_smoothing
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
        elif classes is not None and not np.array_equal(
            np.unique(classes), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(classes).tolist()} is not the same as in the "
                f"first fit, {self.classes_.tolist()}: a fitted classifier's output has one "
                "unit per class; fit a new one (warm_start=False) for other classes."
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
                "(n_samples, n_steps), a list of 1-D label arrays, or one string "
                "per sample (a label per character)."
            )
        flat = np.concatenate([np.asarray(labels) for labels in steps])
        _check_label_types(flat, lengths=[len(labels) for labels in steps])
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

    def _loss_meaning(self, loss):
        return "log_loss"  # "auto" and "log_loss" alike: the cross-entropy

    def _network_spec(self, data):
        return dataclasses.replace(
            super()._network_spec(data), label_smoothing=self.label_smoothing
        )

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

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities for sequences X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The natural logarithm of :meth:`predict_proba` (same shapes, a
            probability of 0 gives ``-inf``).
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            if isinstance(proba, list):
                return [np.log(steps) for steps in proba]
            return np.log(proba)

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

    def score(self, X, y, sample_weight=None):
        """Return the mean accuracy on sequences X and their labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps, n_features) or (n_samples, n_steps), \
                or list of sequences
            Sequences to classify.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels; with ``return_sequences=True``, one per time step
            (``(n_samples, n_steps)`` or a list of per-sample label arrays).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights (on each of a sample's steps with
            ``return_sequences``).

        Returns
        -------
        score : float
            The fraction of labels predicted right (of every time step's
            label with ``return_sequences``; subset accuracy for multilabel
            targets).
        """
        if self.return_sequences:
            return self._score_steps(X, y, sample_weight, accuracy_score)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
