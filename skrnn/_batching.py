"""Training batches for sequences of different lengths: length bucketing.

Padding every sequence to the longest one makes a batch of short sequences cost
as much as a batch of long ones. Here each batch holds sequences of similar
length and is padded only to its own longest member; batch order is shuffled
every epoch, and samples of equal length are shuffled among themselves.
"""

import numpy as np

from ._backend import get_tf


def bucket_batches(lengths, batch_size, rng):
    """Split sample indices into batches of similar length, in random batch order."""
    permutation = rng.permutation(len(lengths))
    by_length = permutation[np.argsort(lengths[permutation], kind="stable")]
    batches = [
        by_length[start : start + batch_size]
        for start in range(0, len(by_length), batch_size)
    ]
    return [batches[i] for i in rng.permutation(len(batches))]


def _pad_targets(targets, indices, n_steps):
    """Per-step targets of ``indices``, zero-padded to ``n_steps`` (masked later)."""
    chosen = [targets[i] for i in indices]
    out = np.zeros((len(chosen), n_steps) + chosen[0].shape[1:], dtype=np.float32)
    for row, item in enumerate(chosen):
        out[row, : len(item)] = item
    return out


def _spec_of(example, tf, leading):
    return tf.TensorSpec((None,) * leading + example.shape[leading:], example.dtype)


def sequence_dataset(X, targets, weights, indices, *, batch_size, seed, shuffle):
    """A ``tf.data.Dataset`` of padded ``(x, y[, w])`` batches and its steps per pass.

    Parameters
    ----------
    X : Sequences
        The samples.
    targets : ndarray or list of ndarray
        One row per sample, or one per-step array per sample.
    weights : ndarray of shape (n_samples,) or None
        Sample weights.
    indices : ndarray of int
        The samples to use (e.g. the training part of an early-stopping split).
    batch_size : int
        Samples per batch.
    seed : int
        Seeds the batch composition and order.
    shuffle : bool
        Reshuffle every pass and repeat forever (training), or make one fixed
        pass (validation).
    """
    tf = get_tf()
    rng = np.random.RandomState(seed)
    lengths = X.lengths[indices]
    ragged_targets = isinstance(targets, list)

    def make_batch(batch):
        chosen = indices[batch]
        x = X.batch(chosen)
        if ragged_targets:
            y = _pad_targets(targets, chosen, x.shape[1])
        else:
            y = targets[chosen]
        if weights is None:
            return x, y
        return x, y, weights[chosen]

    def passes():
        while True:
            yield from (
                make_batch(batch) for batch in bucket_batches(lengths, batch_size, rng)
            )
            if not shuffle:
                return

    first = make_batch(np.arange(min(2, len(indices))))
    leading = [2, 2 if ragged_targets else 1, 1]
    signature = tuple(
        _spec_of(part, tf, lead) for part, lead in zip(first, leading, strict=False)
    )
    dataset = tf.data.Dataset.from_generator(passes, output_signature=signature)
    n_batches = int(np.ceil(len(indices) / batch_size))
    return dataset.prefetch(2), n_batches
