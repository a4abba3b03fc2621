"""Progress lines of long fits: verbose=1 prints one line per epoch and network."""

import io
import re

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor, SequenceForecaster
from skrnn._progress import Progress


class FakeClock:
    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_progress_lines_count_epochs_networks_and_time_left():
    stream = io.StringIO()
    progress = Progress(3, 2, stream=stream, clock=FakeClock(1.0))
    for network in range(2):
        progress.start_network(network)
        for epoch in range(3):
            progress.start_epoch()
            progress.end_epoch(epoch, {"loss": 0.5, "learning_rate": 0.1})
        progress.end_network(3, {"loss": 0.5})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 * 3 + 2
    # Every epoch takes one tick of the fake clock: 5 epochs are left after the first.
    assert lines[0] == "network 1/2 - epoch 1/3 - loss: 0.5 - 1.0s/epoch - ETA 5.0s"
    assert lines[3].startswith("network 1/2 - done in 3 epochs - loss: 0.5")
    assert lines[3].endswith("ETA 3.0s")
    assert lines[-2].endswith("ETA 0.0s")
    assert "learning_rate" not in stream.getvalue()


def test_progress_of_one_network_has_no_network_lines():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, clock=FakeClock(90.0))
    progress.start_epoch()
    progress.end_epoch(0, {"loss": 1.0, "val_loss": 2.0})
    progress.end_network(1)
    assert (
        stream.getvalue()
        == "epoch 1/2 - loss: 1 - val_loss: 2 - 1:30/epoch - ETA 1:30\n"
    )


EPOCH = re.compile(r"^epoch (\d+)/(\d+) - loss: \S+ - .*/epoch - ETA \S+$")


@pytest.mark.parametrize("verbose", [1, True, 2])
def test_regressor_prints_a_line_per_epoch(capsys, sum_data, verbose):
    X, y = sum_data
    RNNRegressor(cell="gru", units=4, epochs=3, verbose=verbose, random_state=0).fit(
        X[:40], y[:40]
    )
    lines = capsys.readouterr().out.splitlines()
    assert [EPOCH.match(line).group(1) for line in lines] == ["1", "2", "3"]


def test_classifier_prints_val_loss_with_early_stopping(capsys, sign_data):
    X, y = sign_data
    RNNClassifier(
        cell="gru", units=4, epochs=2, early_stopping=True, verbose=1, random_state=0
    ).fit(X[:60], y[:60])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("val_loss: " in line for line in lines)


def test_verbose_zero_is_silent(capsys, sum_data):
    X, y = sum_data
    RNNRegressor(cell="gru", units=4, epochs=2, random_state=0).fit(X[:40], y[:40])
    captured = capsys.readouterr()
    assert captured.out == ""


def _panel():
    t = np.arange(60)
    return {
        name: 10 + k + np.sin(2 * np.pi * t / 6) + 0.1 * t
        for k, name in enumerate("ab")
    }


def test_forecaster_prints_epochs_and_each_network(capsys):
    fc = SequenceForecaster(
        horizon=2,
        cell="gru",
        units=4,
        n_networks=2,
        epochs=2,
        calibration=None,
        verbose=1,
        random_state=0,
    ).fit(_panel())
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[:2] for line in lines] == [
        ["network 1/2", "epoch 1/2"],
        ["network 1/2", "epoch 2/2"],
        ["network 1/2", "done in 2 epochs"],
        ["network 2/2", "epoch 1/2"],
        ["network 2/2", "epoch 2/2"],
        ["network 2/2", "done in 2 epochs"],
    ]
    assert all(re.search(r" - ETA \S+$", line) for line in lines)
    silent = SequenceForecaster(**{**fc.get_params(), "verbose": 0}).fit(_panel())
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(silent.predict()["a"], fc.predict()["a"])
