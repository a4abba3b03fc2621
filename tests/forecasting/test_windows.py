"""Training windows of the standard normalisation: every window, never a copy."""

import numpy as np

from skrnn._forecasting.windows import StandardWindows


def test_windows_and_targets_of_several_series():
    rng = np.random.RandomState(0)
    inputs = [rng.normal(size=(20, 2)), rng.normal(size=(15, 2))]
    outputs = [x[:, :1] * 10 for x in inputs]
    data = StandardWindows(inputs, outputs, window=4, horizon=2)
    assert len(data) == (20 - 4 - 2 + 1) + (15 - 4 - 2 + 1) == 25
    np.testing.assert_array_equal(np.bincount(data.groups), [15, 10])
    assert data.sample_shape == (2,) and data.targets.shape == (25, 2)
    assert data.weights is None and data.dense is None
    order = np.array([24, 0, 16, 3])
    batch = data.batch(order)
    assert batch.shape == (4, 4, 2) and batch.dtype == np.float32
    for row, i in enumerate(order):
        group, start = data.groups[i], data.starts[i]
        np.testing.assert_allclose(batch[row], inputs[group][start : start + 4], 1e-6)
        np.testing.assert_allclose(
            data.targets[i], outputs[group][start + 4 : start + 6, 0], rtol=1e-6
        )


def test_one_long_series_is_a_strided_view_not_a_copy():
    series = np.arange(100_000, dtype=np.float32)[:, np.newaxis]
    data = StandardWindows([series], [series], window=128, horizon=1)
    assert len(data) == 100_000 - 128
    assert np.shares_memory(data.dense, series)
    np.testing.assert_array_equal(data.batch([5])[0, :, 0], np.arange(5, 133))
    assert data.targets[5, 0] == 133
