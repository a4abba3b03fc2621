"""skrnn's own Keras loss: the classifier's cross-entropy with smoothed labels.

Defined on first use (``import skrnn`` imports no Keras) and registered with
Keras as ``skrnn>SmoothedCrossEntropy``, so that a saved network loads with
it (:func:`custom_objects`).
"""

from ._backend import DefinedOnFirstUse

_classes = DefinedOnFirstUse(lambda keras: _define(keras))

# The probabilities' floor before the logarithm, as Keras' own cross-entropies
# clip theirs.
_EPSILON = 1e-7


def smoothed_loss(loss, amount):
    """The loss a network compiles with: ``loss`` (a Keras loss name) itself
    where ``amount`` is 0, else its cross-entropy towards labels smoothed by
    ``amount`` ("sparse_categorical_crossentropy" or "binary_crossentropy")."""
    if not amount:
        return loss
    kinds = {
        "sparse_categorical_crossentropy": "sparse",
        "binary_crossentropy": "binary",
    }
    if loss not in kinds:
        raise ValueError(f"label smoothing applies to cross-entropies; got {loss!r}")
    return _classes()["smoothed"](amount=amount, kind=kinds[loss])


def custom_objects():
    """skrnn's losses by the names Keras saves them under, defined."""
    return _classes.custom_objects()


def _define(keras):
    ops = keras.ops

    @keras.saving.register_keras_serializable(
        package="skrnn", name="SmoothedCrossEntropy"
    )
    class SmoothedCrossEntropy(keras.losses.Loss):
        """Cross-entropy towards smoothed labels, less its floor.

        The target of each class is ``1 - amount + amount / k`` for the true
        class and ``amount / k`` for each other of the ``k`` classes (``k`` is
        2 for a sigmoid output, each label on its own). The loss is the KL
        divergence of the predicted probabilities from those targets: the
        smoothed cross-entropy less the targets' own entropy, a constant. Its
        gradients are label smoothing's, and it reaches 0 where the network
        predicts the smoothed targets, so a training loss read as "how far
        from fitted" (the recipe's stop on a fitted training set) keeps its
        meaning. ``amount`` is above 0 and below 1 (0 is Keras' own loss:
        :func:`smoothed_loss` compiles that instead).

        ``kind`` "sparse": integer labels (one per sample, or per member of an
        ensemble: any shape that is the predictions' without their last
        axis, or with a last axis of 1) against softmax probabilities.
        "binary": 0/1 targets of the predictions' shape against sigmoid
        probabilities, averaged over the last axis as Keras' binary
        cross-entropy is.
        """

        def __init__(
            self, amount=0.1, kind="sparse", name="smoothed_crossentropy", **kwargs
        ):
            super().__init__(name=name, **kwargs)
            if not 0 < amount < 1 or kind not in ("sparse", "binary"):
                raise ValueError(
                    f"a smoothed cross-entropy takes 0 < amount < 1 and kind "
                    f"'sparse' or 'binary'; got amount={amount!r}, kind={kind!r}"
                )
            self.amount = float(amount)
            self.kind = kind

        def call(self, y_true, y_pred):
            p = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
            if self.kind == "sparse":
                n_classes = y_pred.shape[-1]
                labels = ops.reshape(ops.cast(y_true, "int32"), ops.shape(y_pred)[:-1])
                q = ops.one_hot(labels, n_classes, dtype=y_pred.dtype)
                q = q * (1.0 - self.amount) + self.amount / n_classes
                return ops.sum(q * (ops.log(q) - ops.log(p)), axis=-1)
            q = ops.cast(y_true, y_pred.dtype) * (1.0 - self.amount) + self.amount / 2
            # q log(q / p) + (1 - q) log((1 - q) / (1 - p)); q is never 0 or 1
            # once smoothed (amount > 0): its own logarithms are finite.
            return ops.mean(
                q * (ops.log(q) - ops.log(p))
                + (1.0 - q) * (ops.log(1.0 - q) - ops.log(1.0 - p)),
                axis=-1,
            )

        def get_config(self):
            return {**super().get_config(), "amount": self.amount, "kind": self.kind}

    return {"smoothed": SmoothedCrossEntropy}
