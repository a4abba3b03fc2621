"""The lazy backend loader: a Ctrl-C while TensorFlow is first imported."""

import os
import signal
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

from skrnn import RNNRegressor, _backend


@pytest.fixture
def unloaded(monkeypatch):
    """The loader as before its first call; the real backend is put back after."""
    monkeypatch.setattr(_backend, "_KERAS", None)
    monkeypatch.setattr(_backend, "_INTERRUPTED", None)


def _interrupting_import(monkeypatch, *, leaves_modules):
    """Make the import raise KeyboardInterrupt half-way, as an interrupt would."""

    def import_keras():
        if leaves_modules:  # what an import cut short leaves behind
            name = "keras._skrnn_test_half_imported"
            monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        raise KeyboardInterrupt

    monkeypatch.setattr(_backend, "_import_keras", import_keras)


def test_ctrl_c_during_the_import_arrives_once_it_is_done(unloaded, monkeypatch):
    loaded = object()

    def import_keras():
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C half-way through
        return loaded

    monkeypatch.setattr(_backend, "_import_keras", import_keras)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        _backend.get_keras()
    # The import was completed before the interrupt was raised: nothing to redo.
    assert _backend.get_keras() is loaded
    assert signal.getsignal(signal.SIGINT) is handler


def test_an_import_cut_short_says_to_restart_the_process(unloaded, monkeypatch):
    _interrupting_import(monkeypatch, leaves_modules=True)
    with pytest.raises(KeyboardInterrupt):
        _backend.get_keras()
    X = np.random.RandomState(0).rand(8, 4, 1)
    for _ in range(2):  # every later call, not just the next one
        with pytest.raises(RuntimeError, match="Restart the Python process") as info:
            RNNRegressor(units=2, epochs=1).fit(X, X[:, -1, 0])
    assert isinstance(info.value.__cause__, KeyboardInterrupt)


def test_an_interrupt_before_anything_was_imported_is_retried(unloaded, monkeypatch):
    _interrupting_import(monkeypatch, leaves_modules=False)
    with pytest.raises(KeyboardInterrupt):
        _backend.get_keras()
    loaded = object()
    monkeypatch.setattr(_backend, "_import_keras", lambda: loaded)
    assert _backend.get_keras() is loaded


@pytest.mark.slow
def test_real_ctrl_c_during_the_tensorflow_import_leaves_fit_working():
    # A fresh process; SIGINT is sent while TensorFlow's own modules import
    # (deterministically: at the 300th of them, where a retried import used to
    # fail with "partially initialized module"), the way Ctrl-C would arrive.
    code = textwrap.dedent(
        """
        import importlib.abc, os, signal, sys
        import numpy as np

        class Interrupt(importlib.abc.MetaPathFinder):
            count = 0
            def find_spec(self, name, path=None, target=None):
                if name.startswith("tensorflow."):
                    Interrupt.count += 1
                    if Interrupt.count == 300:
                        os.kill(os.getpid(), signal.SIGINT)
                return None

        sys.meta_path.insert(0, Interrupt())
        from skrnn import RNNRegressor, _backend
        try:
            _backend.get_keras()
        except KeyboardInterrupt:
            print("interrupted")
        X = np.random.RandomState(0).rand(8, 4, 1)
        reg = RNNRegressor(units=2, epochs=1, n_networks=1, conv_filters=(),
                           bidirectional=False).fit(X, X[:, -1, 0])
        print("fitted", reg.predict(X[:2]).shape)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.stdout.split("\n")[:2] == ["interrupted", "fitted (2,)"], out.stderr


# ---------------------------------------------------------- compiled predictor
def _network(units=(4,)):
    from skrnn import _engine

    spec = _engine.NetworkSpec(
        input_shape=(None, 2),
        n_outputs=1,
        output_activation=None,
        loss="mean_squared_error",
        seed=0,
        units=units,
    )
    return _engine.build_model(spec)


def test_predictor_serves_a_busy_short_length_unrolled_with_the_same_numbers(
    monkeypatch,
):
    monkeypatch.setattr(_backend, "_UNROLL_AFTER", 2)
    model = _network(units=(4, 3))
    predictor = _backend.CompiledPredictor(model)
    X = np.random.RandomState(0).rand(5, 6, 2).astype(np.float32)
    first = [predictor(X[:1]), predictor(X)]
    assert predictor._unrolled is None
    later = [predictor(X[:1]), predictor(X)]  # the third call at 6 steps unrolls
    n_steps, unrolled = predictor._unrolled
    assert n_steps == 6 and unrolled is not None
    for a, b in zip(first, later, strict=True):
        np.testing.assert_array_equal(a, b)
    # The model itself is left as it was, and other lengths still predict.
    assert not any(layer.unroll for layer in _backend._recurrent_layers(model))
    assert predictor(X[:, :4]).shape == (5, 1)


def test_predictor_never_unrolls_long_sequences(monkeypatch):
    monkeypatch.setattr(_backend, "_UNROLL_AFTER", 1)
    predictor = _backend.CompiledPredictor(_network())
    X = np.zeros((2, _backend._UNROLL_BUDGET + 1, 2), np.float32)
    for _ in range(3):
        predictor(X)
    assert predictor._unrolled == (_backend._UNROLL_BUDGET + 1, None)
