"""Training batches for sequences of different lengths: length bucketing.

Padding every sequence to the longest one makes a batch of short sequences cost
as much as a batch of long ones. Here each batch holds sequences of similar
length and is padded only to its own longest member; which samples share a batch
varies from epoch to epoch (lengths are jittered before sorting) and batch order
is shuffled.

Every batch has the same number of rows: TensorFlow runs a traced step with a
known batch size markedly faster than one traced for any size. The last, short
batch is filled with copies of its first sample at zero weight, and its real
samples' weights are scaled so that the batch loss equals the loss of the real
samples alone.
"""

import numpy as np

from ._backend import pad_steps, padded_steps
from ._per_backend import generator_dataset

# Batches of equal-length samples handed from Python to TensorFlow at once, up
# to this many bytes of inputs in all (large batches go one at a time).
_GROUP = 16
_GROUP_BYTES = 8 * 2**20

# Lengths are multiplied by a random factor in [1 - _JITTER, 1 + _JITTER] before
# sorting, so batches differ between epochs but keep similar lengths. On 1024
# lengths of 10..400 in batches of 32, batches are padded to 0.538 of 400 with
# no jitter, 0.556 with 0.05, 0.577 with 0.1 (the bench_sequences.py case).
_JITTER = 0.05


def bucket_batches(lengths, batch_size, rng):
    """Split sample indices into batches of similar length, in random batch order.

    Samples of one length (``lengths`` may then be that length broadcast, no
    copy) are ordered by the jitter alone: the order ``lengths * jitter``
    gives, without that product (52 MB for a large panel's 6.5 million
    windows).
    """
    jitter = rng.uniform(1 - _JITTER, 1 + _JITTER, size=len(lengths))
    if len(lengths) and lengths.min() == lengths.max():
        by_length = np.argsort(jitter, kind="stable")
    else:
        by_length = np.argsort(lengths * jitter, kind="stable")
    del jitter
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


def sequence_dataset(X, targets, weights, indices, *, generators=None, **options):
    """Padded ``(x, y, w)`` batches for Keras' ``fit`` and the steps of one pass.

    A ``tf.data.Dataset`` on TensorFlow, a generator on the other backends
    (:func:`~skrnn._per_backend.generator_dataset`).

    Batches are built from the NumPy data by a generator, reshuffled every pass
    from ``seed`` (no global seed involved), never a copy of the whole data in
    a tensor: large strided views of one series stay views, and nothing of the
    data outlives the fit in TensorFlow's graphs (an in-memory
    ``from_tensor_slices`` dataset keeps ~3 MB per fit alive).

    Parameters
    ----------
    X, targets, weights, indices
        As for :func:`sequence_batches`.
    generators : list, default=None
        The list :func:`~skrnn._per_backend.training_scope` yields: the
        dataset reads ``X`` until that scope ends (on TensorFlow a kept
        pipeline of the same signature, see
        :func:`~skrnn._tensorflow.generator_dataset`).
    **options
        ``batch_size``, ``seed``, ``shuffle``, ``group_batches``, ``shard`` of
        :func:`sequence_batches`.
    """
    passes, signature, rows, group, n_batches = sequence_batches(
        X, targets, weights, indices, **options
    )
    dataset = generator_dataset(
        passes, signature, rows=rows, group=group, generators=generators
    )
    return dataset, n_batches


def sequence_batches(
    X,
    targets,
    weights,
    indices,
    *,
    batch_size,
    seed,
    shuffle,
    group_batches=True,
    shard=None,
):
    """The NumPy batches of :func:`sequence_dataset`, before any pipeline.

    Returns ``(passes, signature, rows, group, n_batches)``: the generator
    function of the batches (each item ``group`` batches of ``rows`` rows
    stacked; one pass, or endless passes where ``shuffle``), each array's
    ``(shape, dtype)`` with None for sizes that vary, and the batches of one
    pass.

    Parameters
    ----------
    X : TrainingData
        The samples (:class:`~skrnn._training_data.TrainingData`: ``len``,
        ``lengths``, ``batch``, ``dense``).
    targets : ndarray or list of ndarray
        One row per sample, or one per-step array per sample.
    weights : ndarray of shape (n_samples,) or None
        Sample weights (ones when None).
    indices : ndarray of int
        The samples to use (e.g. the training part of an early-stopping split).
    batch_size : int
        Samples per batch (fewer if there are fewer samples).
    seed : int
        Seeds the batch composition and order.
    shuffle : bool
        Reshuffle every pass and repeat forever (training), or make one pass
        (validation).
    group_batches : bool, default=True
        Hand equal-length batches to TensorFlow several at a time (faster); off
        under a ``tf.distribute`` strategy, which splits datasets itself.
    shard : tuple of (int, int), default=None
        ``(worker, n_workers)``: this worker's part of every batch, the
        ``worker``-th of ``n_workers`` equal parts (``distribution=
        "multi_worker"``, :mod:`skrnn._workers`). Every worker draws the same
        batches from ``seed``; together the parts are the batch one process
        would train on. ``batch_size`` must be a multiple of ``n_workers``.
    """
    # Samples of different lengths are padded (and masked); samples that all
    # have one length -- windows cut batch by batch, without a dense array --
    # are not: the network reads every step of them. Their one length is not
    # copied per sample.
    ragged = len(X.lengths) > 0 and X.lengths.min() != X.lengths.max()
    if ragged:
        lengths = X.lengths[indices]
    else:
        lengths = np.broadcast_to(X.lengths[:1], (len(indices),))
    ragged_targets = isinstance(targets, list)
    rows = min(batch_size, len(indices))
    part = slice(None)
    if shard is not None:
        worker, n_workers = shard
        if batch_size % n_workers:
            raise ValueError(
                f"distribution='multi_worker' splits every batch into {n_workers} "
                f"equal parts: batch_size={batch_size} must be a multiple of the "
                "number of workers."
            )
        rows = -(-rows // n_workers) * n_workers  # filled up to equal parts
        part = slice(worker * rows // n_workers, (worker + 1) * rows // n_workers)
    if weights is None:
        weights = np.ones(len(X), dtype=np.float32)

    def make_batch(batch):
        chosen = indices[batch]
        n_real = len(chosen)
        batch_weights = weights[chosen]
        if (
            n_real < rows
        ):  # fill with zero-weight copies; keep the loss of the real rows
            chosen = np.concatenate([chosen, np.repeat(chosen[:1], rows - n_real)])
            batch_weights = np.concatenate(
                [batch_weights * (rows / n_real), np.zeros(rows - n_real, np.float32)]
            )
        # Padded to the whole batch's length: every worker's part has one shape.
        n_steps = int(X.lengths[chosen].max()) if ragged else None
        chosen, batch_weights = chosen[part], batch_weights[part]
        x = X.batch(chosen)
        if ragged:  # masked padding: a few lengths where shapes compile
            x = pad_steps(x, padded_steps(n_steps), X.pad_value)
        if ragged_targets:
            y = _pad_targets(targets, chosen, x.shape[1])
        else:
            y = targets[chosen]
        if y.ndim == 3:  # per-step targets take one weight per step
            batch_weights = np.repeat(batch_weights[:, np.newaxis], y.shape[1], axis=1)
        return x, y, batch_weights.astype(np.float32)

    x, y, w = make_batch(np.arange(min(rows, len(indices))))
    part_rows = len(w)  # this worker's part of a batch (all of it in one process)
    # Samples of one length (dense data): the generator hands over several
    # batches at once and TensorFlow splits them, so the Python round trip per
    # batch -- the cost of small batches -- is paid once per group.
    group = 1
    if group_batches and X.dense is not None and not ragged_targets:
        group = int(np.clip(_GROUP_BYTES // max(x.nbytes, 1), 1, _GROUP))

    def passes():
        # Each iterator replays the same sequence of batches from the seed, however
        # often TensorFlow creates one (a distribution strategy may create two).
        # Batches are cut from X a group at a time: a pass never holds a copy of
        # all the samples (the windows of a long series are a strided view).
        rng = np.random.RandomState(seed)
        while True:
            order = bucket_batches(lengths, batch_size, rng)
            for start in range(0, len(order), group):
                chunk = [make_batch(batch) for batch in order[start : start + group]]
                if group == 1:
                    yield chunk[0]
                else:
                    yield tuple(
                        np.concatenate(parts) for parts in zip(*chunk, strict=True)
                    )
            if not shuffle:
                return

    # Steps vary from batch to batch (for per-step targets too); rows do not.
    y_shape = (
        (part_rows, None) + y.shape[2:]
        if ragged_targets
        else (part_rows,) + y.shape[1:]
    )
    first = None if group > 1 else part_rows
    signature = (
        ((first, None) + x.shape[2:], x.dtype),
        ((first,) + y_shape[1:], y.dtype),
        ((first,) + (None,) * (w.ndim - 1), w.dtype),
    )
    n_batches = int(np.ceil(len(indices) / batch_size))
    return passes, signature, part_rows, group, n_batches
