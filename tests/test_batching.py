"""Training batches: built a group at a time, never a copy of all the samples."""

import itertools

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from skrnn import RNNRegressor, _backend, _batching
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


@pytest.mark.tensorflow_only
def test_training_pipelines_run_without_tf_datas_tuning_thread():
    # Its buffers are fixed, and tf.data's tuning thread held up the release of
    # a fit's iterator until its next wake-up: seconds after the last epoch,
    # more the longer the fit (skrnn._tensorflow._new_pipeline).
    X, y = _windows(400)
    dataset, _ = _dataset(Sequences(dense=X), y)
    assert dataset.options().autotune.enabled is False
    held_out, _ = _dataset(Sequences(dense=X), y, shuffle=False, group_batches=False)
    assert held_out.options().autotune.enabled is False


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


def test_groups_of_large_batches_stay_small(monkeypatch):
    windows, targets = _windows(n_steps=3000, window=512)
    handed = []  # what the backend's pipeline reads

    def generator_dataset(passes, *args, **kwargs):
        handed.append(passes)

    monkeypatch.setattr(_batching, "generator_dataset", generator_dataset)
    _dataset(Sequences(dense=windows), targets, batch_size=2048)
    # A batch is 4 MB of float32 inputs: groups of 2 reach TensorFlow.
    chunk = next(handed[0]())
    assert chunk[0].shape == (2 * 2048, 512, 1)
    assert chunk[0].nbytes <= _batching._GROUP_BYTES


def test_batches_do_not_depend_on_how_they_are_grouped(monkeypatch):
    windows, targets = _windows(n_steps=1000)

    def first_pass(group_bytes):
        # The grouping threshold is the implementation's knob, set here because
        # the promise is that it changes nothing but speed.
        monkeypatch.setattr(_batching, "_GROUP_BYTES", group_bytes)
        dataset, n_batches = _dataset(Sequences(dense=windows), targets)
        return [np.asarray(x) for x, _, _ in itertools.islice(dataset, n_batches)]

    grouped, single = first_pass(2**30), first_pass(1)
    assert len(grouped) == len(single)
    for a, b in zip(grouped, single, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ length buckets
def test_buckets_hold_samples_of_similar_length_each_once():
    lengths = np.random.RandomState(0).randint(100, 301, size=200)
    batches = _batching.bucket_batches(lengths, 10, np.random.RandomState(1))
    assert [len(batch) for batch in batches] == [10] * 20
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(200))
    # Lengths jittered by +-10% (at most 300 steps) before sorting: samples of a
    # batch are at most ~60 steps apart; 10 drawn at random spread over ~170.
    assert max(np.ptp(lengths[batch]) for batch in batches) <= 70


def test_buckets_change_from_pass_to_pass_and_repeat_with_the_seed():
    lengths = np.random.RandomState(0).randint(100, 301, size=200)

    def passes(seed):
        rng = np.random.RandomState(seed)
        return [
            [tuple(batch) for batch in _batching.bucket_batches(lengths, 10, rng)]
            for _ in range(2)
        ]

    first, second = passes(0)
    assert first != second  # batch order and composition vary between passes
    assert set(map(frozenset, first)) != set(map(frozenset, second))
    assert passes(0) == [first, second] and passes(1) != [first, second]


def _ragged(n=23):
    """Sample ``i`` is ``i % 7 + 1`` steps of the value ``i`` (its identity)."""
    items = [np.full((i % 7 + 1, 1), float(i), np.float32) for i in range(n)]
    return Sequences(items=items, pad_value=-9.0), np.arange(n, dtype=np.float32)


def _samples_of(x, w):
    """The identities of the real (weighted) rows of a batch."""
    return x[np.asarray(w) > 0, 0, 0].astype(int).tolist()


def test_a_pass_holds_every_sample_once_padded_only_to_its_batch():
    data, targets = _ragged()
    dataset, n_batches = _batching.sequence_dataset(
        data, targets, None, np.arange(23), batch_size=5, seed=0, shuffle=False
    )
    batches = [tuple(np.asarray(part) for part in batch) for batch in dataset]
    assert len(batches) == n_batches == 5
    seen = []
    for x, y, w in batches:
        assert x.shape[0] == 5  # the last batch is filled to the same rows
        real = _samples_of(x, w)
        seen += real
        np.testing.assert_array_equal(y[w > 0], real)  # targets follow samples
        lengths = [i % 7 + 1 for i in real]
        # Padded to its own longest (on JAX, to that length rounded up).
        assert x.shape[1] == _backend.padded_steps(max(lengths))
        for row, length in zip(x[w > 0], lengths, strict=True):
            assert np.all(row[length:] == -9.0)  # with the data's pad_value
        # Fill rows weigh nothing; the real rows' weights keep the batch's mean.
        assert w.sum() == 5
    assert sorted(seen) == list(range(23))


def test_every_training_pass_holds_every_sample_once_in_a_new_order():
    data, targets = _ragged()
    indices = np.arange(3, 23)  # e.g. the training part of a split

    def first_passes(seed):
        dataset, n_batches = _batching.sequence_dataset(
            data, targets, None, indices, batch_size=4, seed=seed, shuffle=True
        )
        batches = [
            (np.asarray(x), np.asarray(w)) for x, _, w in itertools.islice(dataset, 15)
        ]
        return [
            sum((_samples_of(x, w) for x, w in batches[k : k + n_batches]), [])
            for k in range(0, 15, n_batches)
        ]

    passes = first_passes(0)
    assert len(passes) == 3
    for samples in passes:
        assert sorted(samples) == list(range(3, 23))
    assert passes[0] != passes[1] != passes[2]
    assert first_passes(0) == passes and first_passes(1) != passes


def test_per_step_targets_are_padded_like_their_samples():
    data, _ = _ragged(6)
    targets = [np.full((i % 7 + 1, 2), float(i), np.float32) for i in range(6)]
    dataset, _ = _batching.sequence_dataset(
        data, targets, None, np.arange(6), batch_size=6, seed=0, shuffle=False
    )
    x, y, w = (np.asarray(part) for part in next(iter(dataset)))
    n_steps = _backend.padded_steps(6)  # 6; 8 on JAX
    assert y.shape == (6, n_steps, 2) and w.shape == (6, n_steps)  # a weight a step
    for row in range(6):
        i = int(x[row, 0, 0])
        assert np.all(y[row, : i + 1] == i) and np.all(y[row, i + 1 :] == 0)


def test_lengths_round_up_to_two_shapes_per_doubling():
    assert [_backend.rounded_steps(n) for n in (1, 8, 9, 13, 17, 25, 33, 49, 200)] == [
        8,
        8,
        12,
        16,
        24,
        32,
        48,
        64,
        256,
    ]
    assert all(n <= _backend.rounded_steps(n) < 1.5 * n for n in range(9, 999))
    # Short sequences (peptides, words) share one length: one program on JAX.
    assert {_backend.rounded_steps(n) for n in range(1, 9)} == {8}


def test_masked_padding_to_rounded_lengths_changes_no_number(monkeypatch):
    # JAX compiles per shape: masked batches are padded to a few lengths there.
    # The padding is masked, so fit and predict give the same numbers either way.
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 2)) for n in rng.randint(1, 40, size=40)]
    y = np.array([x[:, 0].mean() for x in X])

    def fit():
        reg = RNNRegressor(units=4, epochs=2, batch_size=8, random_state=0)
        return reg.fit(X, y)

    exact = fit()
    monkeypatch.setattr(_batching, "padded_steps", _backend.rounded_steps)
    monkeypatch.setattr(_backend, "padded_steps", _backend.rounded_steps)
    rounded = fit()
    np.testing.assert_allclose(
        rounded.history_["loss"], exact.history_["loss"], rtol=1e-5
    )
    np.testing.assert_allclose(
        rounded.predict(X), exact.predict(X), rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------- workers' parts
def _one_pass(data, targets, batch_size, shard=None):
    dataset, n_batches = _batching.sequence_dataset(
        data,
        targets,
        None,
        np.arange(len(data)),
        batch_size=batch_size,
        seed=0,
        shuffle=False,
        group_batches=False,
        shard=shard,
    )
    return [tuple(np.asarray(part) for part in batch) for batch in dataset]


def test_the_workers_parts_make_up_the_batch_one_process_trains_on():
    # Ragged samples (masked padding) and a short last batch: each part is
    # padded to the whole batch's length, and the filled rows weigh nothing.
    data, targets = _ragged()
    whole = _one_pass(data, targets, batch_size=6)
    parts = [_one_pass(data, targets, batch_size=6, shard=(k, 2)) for k in (0, 1)]
    assert len(parts[0]) == len(parts[1]) == len(whole) == 4
    for batch, first, second in zip(whole, *parts, strict=True):
        for a, b, c in zip(batch, first, second, strict=True):
            assert b.shape == c.shape and b.shape[0] == 3
            np.testing.assert_array_equal(np.concatenate([b, c]), a)
    # Three workers: 6 rows in parts of 2, the last batch filled to 6.
    three = [_one_pass(data, targets, batch_size=6, shard=(k, 3)) for k in range(3)]
    for batch, *split in zip(whole, *three, strict=True):
        np.testing.assert_array_equal(np.concatenate([s[0] for s in split]), batch[0])


def test_a_batch_size_the_workers_cannot_share_is_refused():
    data, targets = _ragged()
    with pytest.raises(ValueError, match="batch_size=5 must be a multiple of"):
        _one_pass(data, targets, batch_size=5, shard=(0, 2))


def test_one_length_for_all_samples_batches_as_a_copy_of_the_lengths_would():
    # A large panel's windows share one length, broadcast (no array of 6.5
    # million copies), and are ordered by the jitter alone: the batches that
    # sorting each length times its jitter gives.
    shared = np.broadcast_to(np.int64(168), (1000,))
    rng = np.random.RandomState(3)
    jitter = rng.uniform(1 - _batching._JITTER, 1 + _batching._JITTER, size=1000)
    order = np.argsort(np.full(1000, 168) * jitter, kind="stable")
    expected = [order[start : start + 64] for start in range(0, 1000, 64)]
    expected = [expected[i] for i in rng.permutation(len(expected))]
    batches = _batching.bucket_batches(shared, 64, np.random.RandomState(3))
    assert len(batches) == len(expected) == 16
    for x, y in zip(batches, expected, strict=True):
        np.testing.assert_array_equal(x, y)


def test_samples_of_one_length_cut_batch_by_batch_are_never_padded(monkeypatch):
    # JAX pads masked samples to a few rounded lengths (simulated here on any
    # backend); windows of one length without a dense array (a forecaster's
    # windows with covariates, a large panel's) are read whole by an unmasked
    # network: padded, they trained 4 times worse on JAX.
    monkeypatch.setattr(_batching, "padded_steps", lambda n_steps: n_steps + 5)
    equal = Sequences(items=[np.full((6, 1), float(i)) for i in range(10)])
    assert equal.dense is None
    (x, _, _), *_ = _one_pass(equal, np.arange(10.0), batch_size=4)
    assert x.shape[1] == 6
    data, targets = _ragged()  # samples of 1 to 7 steps: padded, masked
    for x, _, _ in _one_pass(data, targets, batch_size=5):
        assert x.shape[1] in range(6, 13)
