"""Training batches: built a group at a time, never a copy of all the samples."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from skrnn import _batching
from skrnn._inputs import Sequences


class _CountingSequences(Sequences):
    """Sequences that count the samples copied out of them."""

    copied = 0

    def batch(self, indices):
        _CountingSequences.copied += len(indices)
        return super().batch(indices)


def _windows(n_steps=4000, window=16):
    series = np.sin(np.arange(n_steps, dtype=np.float32) / 7.0)[:, np.newaxis]
    windows = sliding_window_view(series, window, axis=0).transpose(0, 2, 1)
    return windows[:-1], series[window:, 0]


def _dataset(data, targets, **options):
    options = {"batch_size": 32, "seed": 0, "shuffle": True, **options}
    return _batching.sequence_dataset(
        data, targets, None, np.arange(len(data)), **options
    )


def test_a_pass_copies_one_group_of_batches_at_a_time():
    # The windows of a long series are a strided view: a pass that built all
    # its batches first held a copy of every window (512 MB for 1,000,000
    # steps of window 128) before training on the first one.
    windows, targets = _windows()
    data = _CountingSequences(dense=windows)
    dataset, n_batches = _dataset(data, targets)
    _CountingSequences.copied = 0
    first = next(iter(dataset))
    assert first[0].shape == (32, 16, 1)
    assert _CountingSequences.copied <= 2 * _batching._GROUP * 32 < len(windows) // 2
    assert n_batches == int(np.ceil(len(windows) / 32))


def test_groups_of_large_batches_stay_small():
    windows, targets = _windows(n_steps=3000, window=512)
    generators = []
    dataset, _ = _dataset(
        Sequences(dense=windows), targets, batch_size=2048, generators=generators
    )
    # A batch is 4 MB of float32 inputs: groups of 2 reach TensorFlow.
    chunk = next(generators[0]())
    assert chunk[0].shape == (2 * 2048, 512, 1)
    assert chunk[0].nbytes <= _batching._GROUP_BYTES


def test_batches_do_not_depend_on_how_they_are_grouped(monkeypatch):
    windows, targets = _windows(n_steps=1000)

    def first_pass(group_bytes):
        monkeypatch.setattr(_batching, "_GROUP_BYTES", group_bytes)
        dataset, n_batches = _dataset(Sequences(dense=windows), targets)
        return [np.asarray(x) for x, _, _ in dataset.take(n_batches)]

    grouped, single = first_pass(2**30), first_pass(1)
    assert len(grouped) == len(single)
    for a, b in zip(grouped, single, strict=True):
        np.testing.assert_array_equal(a, b)
