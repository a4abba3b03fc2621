"""What the training engine reads of its data: the :class:`TrainingData` protocol.

:class:`~skrnn._inputs.Sequences` is the reference implementation; the
forecaster's window sets follow the same protocol. The engine
(:func:`~skrnn._engine.train`) checks it on entry, so an object lacking a member
is one clear error, not an ``AttributeError`` deep inside a training step; it
also checks there that the targets fit the network's output and that the data's
padding is what the network masks.
"""

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TrainingData(Protocol):
    """Encoded samples, as the training engine reads them.

    Attributes
    ----------
    lengths : ndarray of int of shape (n_samples,)
        The number of steps of each sample (batches group similar lengths).
    dense : ndarray of shape (n_samples, n_steps, ...) or None
        Every sample in one array when they all have the same length, else
        None. Dense samples are handed to TensorFlow several batches at a time,
        and truncated backpropagation through time needs them.
    pad_value : float or int
        The value of every input channel at a step added by padding: the
        network must mask exactly these steps (a ``Masking`` layer's
        ``mask_value``, or code 0 of an embedding).
    """

    lengths: np.ndarray
    dense: np.ndarray | None
    pad_value: float

    def __len__(self) -> int:
        """The number of samples."""

    def batch(self, indices) -> np.ndarray:
        """Samples ``indices``, padded at the end with ``pad_value`` to the
        longest of them: ``(len(indices), n_steps, ...)``."""


# The members of TrainingData, as the engine's entry check names them.
MEMBERS = ("__len__", "lengths", "dense", "pad_value", "batch")


def check_training_data(data):
    """Raise a TypeError naming the members of :class:`TrainingData` ``data`` lacks."""
    missing = [name for name in MEMBERS if not hasattr(data, name)]
    if missing:
        raise TypeError(
            f"The training engine reads its data through the TrainingData protocol "
            f"(skrnn._training_data): {type(data).__name__} lacks "
            f"{', '.join(missing)}."
        )


def check_padding(data, spec):
    """The steps the network of ``spec`` masks are exactly the data's padding."""
    if spec.builder is not None:
        return  # a user's network masks what it masks (it is fed the same data)
    if spec.vocabulary_size is not None:
        masked = 0  # Embedding(mask_zero=True): code 0
    else:
        masked = spec.layers()["mask_value"]
    if masked is not None and data.pad_value != masked:
        raise ValueError(
            f"The network masks the steps equal to {masked!r}, but the data pads "
            f"with {data.pad_value!r}: padded steps would be read as real ones."
        )


def check_targets(model, targets, spec):
    """Refuse targets that do not fit the network's single output.

    Labels of a sparse cross-entropy lack the output's last axis (the classes),
    and Keras reads targets of shape ``(n,)`` for an output ``(batch, 1)``.
    Ragged per-step targets (a list) are padded per batch and not checked here.
    """
    outputs = getattr(model, "outputs", None)
    if isinstance(targets, list) or not outputs or len(outputs) != 1:
        return
    output = tuple(outputs[0].shape[1:])
    given = tuple(np.shape(targets)[1:])
    loss = spec.loss if spec is not None else getattr(model, "loss", None)
    accepted = [output]
    if output and output[-1] == 1:  # one output: Keras takes (n,) for (n, 1)
        accepted.append(output[:-1])
    if isinstance(loss, str) and loss.startswith("sparse"):
        accepted += [output[:-1], output[:-1] + (1,)]

    def fits(shape):
        return len(shape) == len(given) and all(
            size is None or size == wanted
            for size, wanted in zip(shape, given, strict=True)
        )

    if not any(fits(shape) for shape in accepted):
        hint = (
            " An ensemble's targets are repeated once per member only when train "
            "is given the network's spec."
            if spec is None
            else ""
        )
        raise ValueError(
            f"Targets of shape {np.shape(targets)} do not fit the network's output "
            f"of shape {(None,) + output}.{hint}"
        )
