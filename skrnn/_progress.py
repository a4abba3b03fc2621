"""Progress of long fits: plain lines, one per epoch and one per network.

With ``verbose=1`` an estimator prints, for every epoch, the loss (and the
hold-out's, with early stopping), the time the epoch took and an estimate of
the time left; the forecaster adds one line when each network of its ensemble
is done. Plain lines written to ``sys.stdout`` as it is at the time of writing
read the same in a terminal, a log file and a notebook (no carriage returns,
no widgets), and ``capsys`` sees them.

:class:`Progress` keeps the count and the clock and knows nothing of Keras;
:func:`keras_callbacks` wraps it for the training engine (Keras' own progress
bar is always off: ``fit`` is called with ``verbose=0``).
"""

import sys
import time


def _duration(seconds):
    """``1:02:03``, ``2:03`` or ``4.2s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _losses(logs):
    shown = [name for name in ("loss", "val_loss") if name in (logs or {})]
    return [f"{name}: {float(logs[name]):.4g}" for name in shown]


class Progress:
    """Counts epochs and networks of one fit and prints a line for each.

    Parameters
    ----------
    epochs : int
        Epochs each network trains at most.
    n_networks : int, default=1
        Networks trained one after another (the forecaster's ensemble); with
        more than one, lines start with ``network i/n`` and each network ends
        with a line of its own.
    label : str, default="network"
        What a network is called in the lines (``"backtest network"`` for the
        forecaster's calibration fits).
    stream : file-like or None, default=None
        Where lines go; None is ``sys.stdout`` at the time of writing.
    clock : callable, default=time.perf_counter
        Seconds, for the times shown (tests pass a fake clock).

    Notes
    -----
    The time left assumes every remaining epoch runs and takes the mean time
    of the epochs so far: with early stopping it is an upper bound.
    """

    def __init__(
        self, epochs, n_networks=1, *, label="network", stream=None, clock=None
    ):
        self.epochs, self.n_networks, self.label = int(epochs), int(n_networks), label
        self.stream = stream
        self.clock = clock or time.perf_counter
        self.network = 0
        self._epochs_done = 0  # over all networks
        self._seconds = 0.0  # spent in those epochs
        self._epoch_start = self._network_start = None

    def start_network(self, network):
        """Network ``network`` (0-based) starts training."""
        self.network = int(network)
        self._network_start = self.clock()

    def start_epoch(self):
        self._epoch_start = self.clock()
        if self._network_start is None:
            self._network_start = self._epoch_start

    def end_epoch(self, epoch, logs=None):
        """Epoch ``epoch`` (0-based) of the current network ended with ``logs``."""
        now = self.clock()
        took = now - (self._epoch_start if self._epoch_start is not None else now)
        self._epochs_done += 1
        self._seconds += took
        left_here = self.epochs - (epoch + 1)
        left = left_here + (self.n_networks - self.network - 1) * self.epochs
        parts = [
            *self._prefix(),
            f"epoch {epoch + 1}/{self.epochs}",
            *_losses(logs),
            f"{_duration(took)}/epoch",
            f"ETA {_duration(left * self._seconds / self._epochs_done)}",
        ]
        self._write(" - ".join(parts))

    def end_network(self, n_epochs, logs=None):
        """The current network is done after ``n_epochs`` epochs (one line when
        there are several networks)."""
        if self.n_networks == 1:
            return
        took = self.clock() - (self._network_start or self.clock())
        left = (self.n_networks - self.network - 1) * self.epochs
        mean = self._seconds / self._epochs_done if self._epochs_done else 0.0
        parts = [
            *self._prefix(),
            f"done in {n_epochs} epochs",
            *_losses(logs),
            _duration(took),
            f"ETA {_duration(left * mean)}",
        ]
        self._write(" - ".join(parts))
        self._network_start = None

    def _prefix(self):
        if self.n_networks == 1:
            return []
        return [f"{self.label} {self.network + 1}/{self.n_networks}"]

    def _write(self, line):
        print(line, file=self.stream or sys.stdout, flush=True)


def last_logs(history):
    """The last epoch's values of an engine history (``{name: [per epoch]}``)."""
    return {name: values[-1] for name, values in (history or {}).items() if values}


_CALLBACK = []


def keras_callbacks(verbose, epochs, progress=None):
    """The Keras callbacks that print ``progress`` (a fresh one if None); none
    when ``verbose`` is 0."""
    if not verbose:
        return []
    if not _CALLBACK:
        from ._backend import get_keras

        keras = get_keras()

        class ProgressLines(keras.callbacks.Callback):
            """Hand Keras' epoch events to a :class:`Progress`."""

            def __init__(self, progress):
                super().__init__()
                self.progress = progress

            def on_epoch_begin(self, epoch, logs=None):
                self.progress.start_epoch()

            def on_epoch_end(self, epoch, logs=None):
                self.progress.end_epoch(epoch, logs)

        _CALLBACK.append(ProgressLines)
    return [_CALLBACK[0](progress if progress is not None else Progress(epochs))]
