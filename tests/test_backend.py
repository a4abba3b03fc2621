"""The lazy backend loader: a Ctrl-C while TensorFlow is first imported."""

import contextlib
import signal
import subprocess
import sys
import textwrap
import types
import warnings

import numpy as np
import pytest

from skrnn import RNNRegressor, _backend, _tensorflow


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


@contextlib.contextmanager
def _sigint_handler(handler):
    """SIGINT handled by ``handler`` in the block; the process's own after it.

    The tests of the held Ctrl-C set the handler they are about: a run of
    this suite started in the background by a shell without job control (a
    CI runner's, say) inherits SIGINT ignored (SIG_IGN), its workers too.
    """
    outer = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, outer)


@pytest.fixture
def interrupted_import(unloaded, monkeypatch):
    """The backend's import with a Ctrl-C half-way through; what it loads."""
    loaded = object()

    def import_keras():
        # Raised in this thread: os.kill's process-wide signal may land on
        # another thread (JAX starts some), and Python then runs the handler a
        # moment later, after the import (a failed JAX run).
        signal.raise_signal(signal.SIGINT)
        return loaded

    monkeypatch.setattr(_backend, "_import_keras", import_keras)
    return loaded


def test_ctrl_c_during_the_import_arrives_once_it_is_done(interrupted_import):
    loaded = interrupted_import
    with _sigint_handler(signal.default_int_handler):  # Python's own, a user's
        with pytest.raises(KeyboardInterrupt):
            _backend.get_keras()
        # The import was completed before the interrupt was raised: nothing to
        # redo.
        assert _backend.get_keras() is loaded
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_ctrl_c_stays_ignored_through_the_import(interrupted_import):
    with _sigint_handler(signal.SIG_IGN):
        assert (
            _backend.get_keras() is interrupted_import
        )  # nothing raised, nothing held
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_the_backend_import_leaves_the_global_generators_alone(unloaded, monkeypatch):
    # Importing Keras draws from Python's and NumPy's global generators (on
    # TensorFlow and JAX alike), and it happens in a user's first fit: the
    # user's seeded streams come out of it as they went in.
    import random

    loaded = object()

    def import_keras():  # as Keras' own import does
        random.random()
        np.random.rand(3)
        return loaded

    monkeypatch.setattr(_backend, "_import_keras", import_keras)
    random.seed(7)
    np.random.seed(7)
    expected = random.random(), np.random.rand()
    random.seed(7)
    np.random.seed(7)
    assert _backend.get_keras() is loaded
    assert (random.random(), np.random.rand()) == expected


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


@pytest.mark.tensorflow_only
@pytest.mark.slow
def test_real_ctrl_c_during_the_tensorflow_import_leaves_fit_working():
    # A fresh process; SIGINT is raised while TensorFlow's own modules import
    # (deterministically: at the 300th of them, where a retried import used to
    # fail with "partially initialized module"), the way Ctrl-C would arrive.
    # The child sets Python's own handler first, as in a terminal or notebook:
    # a process started in the background by a shell without job control (a
    # CI runner's, say) inherits SIGINT ignored, and so would the child (a
    # fresh-clone run printed "fitted" without "interrupted").
    code = textwrap.dedent(
        """
        import importlib.abc, signal, sys, threading
        import numpy as np

        signal.signal(signal.SIGINT, signal.default_int_handler)

        class Interrupt(importlib.abc.MetaPathFinder):
            count = 0
            def find_spec(self, name, path=None, target=None):
                if (name.startswith("tensorflow.")
                        and threading.current_thread() is threading.main_thread()):
                    Interrupt.count += 1
                    if Interrupt.count == 300:
                        signal.raise_signal(signal.SIGINT)
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
def _network(units=(4,), seed=0):
    from skrnn import _engine

    spec = _engine.NetworkSpec(
        input_shape=(None, 2),
        n_outputs=1,
        output_activation=None,
        loss="mean_squared_error",
        seed=seed,
        units=units,
    )
    return _engine.build_model(spec)


@pytest.mark.tensorflow_only
def test_predictor_serves_a_busy_short_length_unrolled_with_the_same_numbers(
    monkeypatch,
):
    monkeypatch.setattr(_tensorflow, "_UNROLL_AFTER", 2)
    model = _network(units=(4, 3))
    predictor = _tensorflow.CompiledPredictor(model)
    X = np.random.RandomState(0).rand(5, 6, 2).astype(np.float32)
    first = [predictor(X[:1]), predictor(X)]
    assert predictor._unrolled is None
    later = [predictor(X[:1]), predictor(X)]  # the third call at 6 steps unrolls
    n_steps, unrolled = predictor._unrolled
    assert n_steps == 6 and unrolled is not None
    for a, b in zip(first, later, strict=True):
        np.testing.assert_array_equal(a, b)
    # The model itself is left as it was, and other lengths still predict.
    assert not any(layer.unroll for layer in _tensorflow._recurrent_layers(model))
    assert predictor(X[:, :4]).shape == (5, 1)


@pytest.mark.tensorflow_only
def test_predictor_never_unrolls_long_sequences(monkeypatch):
    monkeypatch.setattr(_tensorflow, "_UNROLL_AFTER", 1)
    predictor = _tensorflow.CompiledPredictor(_network())
    X = np.zeros((2, _tensorflow._UNROLL_BUDGET + 1, 2), np.float32)
    for _ in range(3):
        predictor(X)
    assert predictor._unrolled == (_tensorflow._UNROLL_BUDGET + 1, None)


def _count_traces(monkeypatch, predictor, fail_compiling=False):
    """Record ``jit_compile`` of each function ``predictor`` traces (None for
    the generic one, traced once per architecture: none is kept from before)."""
    traces, trace = [], predictor._trace
    shared = _tensorflow._SharedForwards()
    monkeypatch.setattr(_tensorflow, "SHARED_FORWARDS", shared)
    trace_shared = shared._trace

    def counted_shared(*args):
        traces.append(None)
        return trace_shared(*args)

    monkeypatch.setattr(shared, "_trace", counted_shared)

    def counted(*args, jit_compile=None, **kwargs):
        traces.append(jit_compile)
        if jit_compile and fail_compiling:
            raise RuntimeError("an operation XLA cannot compile")
        return trace(*args, jit_compile=jit_compile, **kwargs)

    monkeypatch.setattr(predictor, "_trace", counted)
    return traces


@pytest.mark.tensorflow_only
def test_predictor_compiles_a_busy_shape_once_and_never_retraces(monkeypatch):
    monkeypatch.setattr(_tensorflow, "_HOT_AFTER", 3)
    predictor = _tensorflow.CompiledPredictor(_network(units=(4, 3)))
    traces = _count_traces(monkeypatch, predictor)
    X = np.random.RandomState(0).rand(5, 6, 2).astype(np.float32)
    full = predictor(X, compile_hot=True)
    before = [predictor(X[:1], compile_hot=True) for _ in range(3)]
    assert predictor._hot is None and traces == [None]
    after = [predictor(X[:1], compile_hot=True) for _ in range(30)]
    shape, compiled = predictor._hot
    assert shape == (1, 6, 2) and compiled is not None
    # One traced function for every shape, one compiled for the busy one: 30
    # calls later, nothing traced again.
    assert traces == [None, True]
    for output in after:  # the compiled function's numbers, the same every time
        np.testing.assert_array_equal(output, after[0])
    np.testing.assert_array_equal(before[0], before[-1])
    np.testing.assert_allclose(after[0], before[0], rtol=1e-5, atol=1e-6)
    # Other shapes keep the traced function and its numbers; calls without
    # compile_hot never use the compiled one.
    np.testing.assert_array_equal(predictor(X, compile_hot=True), full)
    np.testing.assert_array_equal(predictor(X[:1]), before[0])
    assert traces == [None, True]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("failure", ["compile", "disagree"])
def test_predictor_keeps_the_traced_function_where_xla_fails(monkeypatch, failure):
    monkeypatch.setattr(_tensorflow, "_HOT_AFTER", 1)
    if failure == "disagree":  # no tolerance is met
        monkeypatch.setattr(_tensorflow, "_HOT_ATOL", -1.0)
    predictor = _tensorflow.CompiledPredictor(_network())
    _count_traces(monkeypatch, predictor, fail_compiling=failure == "compile")
    X = np.random.RandomState(0).rand(1, 6, 2).astype(np.float32)
    outputs = [predictor(X, compile_hot=True) for _ in range(4)]
    assert predictor._hot == ((1, 6, 2), None)
    for output in outputs:
        np.testing.assert_array_equal(output, outputs[0])


@pytest.mark.tensorflow_only
def test_estimator_serving_one_sample_is_compiled(monkeypatch):
    monkeypatch.setattr(_tensorflow, "_HOT_AFTER", 2)
    X = np.random.RandomState(0).rand(16, 5, 1).astype(np.float32)
    reg = RNNRegressor(cell="gru", units=3, epochs=1, random_state=0)
    reg.fit(X, X[:, -1, 0])
    served = [reg.predict(X[:1]) for _ in range(5)]
    shape, compiled = reg._compiled_predictor()._hot
    assert shape[0] == 1 and compiled is not None
    np.testing.assert_allclose(served[-1], served[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reg.predict(X)[:1], served[-1], rtol=1e-5, atol=1e-6)


def _shared_forwards(monkeypatch, size=8):
    """A fresh cache of shared forward passes, and the list of its traces."""
    shared = _tensorflow._SharedForwards(size)
    monkeypatch.setattr(_tensorflow, "SHARED_FORWARDS", shared)
    traces, trace = [], shared._trace

    def counted(model, *args):
        traces.append(model)
        return trace(model, *args)

    monkeypatch.setattr(shared, "_trace", counted)
    return shared, traces


@pytest.mark.tensorflow_only
def test_networks_of_one_architecture_share_a_forward_pass_and_keep_their_numbers(
    monkeypatch,
):
    tf = _tensorflow.get_tf()
    shared, traces = _shared_forwards(monkeypatch)
    X = np.random.RandomState(0).rand(5, 6, 2).astype(np.float32)
    models = [_network(units=(4, 3), seed=seed) for seed in (0, 1, 2)]
    # Their recurrent layers are skrnn's own LSTM, shared as Keras' own are.
    layers = _backend.inner_layers(models[0])
    assert "skrnn._layers" in {type(layer).__module__ for layer in layers}
    predictors = [_tensorflow.CompiledPredictor(model) for model in models]
    outputs = [predictor(X) for predictor in predictors]
    assert len(traces) == 1 and len(shared) == 1
    for predictor, output in zip(predictors, outputs, strict=True):
        # Bit for bit the numbers of the network's own traced forward pass.
        own = predictor._trace()(tf.constant(X)).numpy()
        np.testing.assert_array_equal(output, own)
    assert not np.allclose(outputs[0], outputs[1], rtol=0.01)  # their own weights
    # The weights are read at every call, as the network's own pass reads them.
    models[0].set_weights(models[1].get_weights())
    np.testing.assert_array_equal(predictors[0](X), outputs[1])
    # Another architecture traces its own; the cache keeps the most recent
    # and drops the kernels TensorFlow instantiated for the one it drops.
    monkeypatch.setattr(shared, "size", 1)
    cleared = []
    monkeypatch.setattr(
        _tensorflow, "dropped_traced_function", lambda: cleared.append(1)
    )
    other = _tensorflow.CompiledPredictor(_network(units=(5,)))
    other(X)
    assert len(traces) == 2 and len(shared) == 1 and cleared == [1]
    np.testing.assert_array_equal(predictors[2](X), outputs[2])  # still served


@pytest.mark.tensorflow_only
def test_a_shared_forward_pass_keeps_no_network_alive(monkeypatch):
    import gc
    import weakref

    shared, traces = _shared_forwards(monkeypatch)
    model = _network(units=(3,))
    predictor = _tensorflow.CompiledPredictor(model)
    predictor(np.ones((2, 4, 2), np.float32))
    assert traces == [model] and len(shared) == 1
    alive = weakref.ref(model)
    del model, predictor, traces[:]
    gc.collect()
    assert alive() is None


@pytest.mark.tensorflow_only
def test_a_network_with_a_layer_of_its_own_traces_its_own_forward_pass(monkeypatch):
    keras = _backend.get_keras()
    shared, traces = _shared_forwards(monkeypatch)

    class Doubled(keras.layers.Layer):  # its configuration says nothing of 2
        def call(self, inputs):
            return inputs * 2.0

    inputs = keras.Input((None, 2))
    outputs = keras.layers.Dense(1)(keras.layers.GRU(3, seed=0)(Doubled()(inputs)))
    model = keras.Model(inputs, outputs)
    X = np.random.RandomState(0).rand(3, 4, 2).astype(np.float32)
    predicted = _tensorflow.CompiledPredictor(model)(X)
    assert traces == [] and len(shared) == 0
    np.testing.assert_allclose(
        predicted, model(X, training=False).numpy(), rtol=1e-5, atol=1e-6
    )


@pytest.mark.tensorflow_only
def test_masked_networks_share_a_forward_pass_with_their_own_numbers(monkeypatch):
    # Masking adds operations that Keras names by a process-wide counter
    # (not_equal_2): the key names layers by position, so they still share.
    tf = _tensorflow.get_tf()
    shared, traces = _shared_forwards(monkeypatch)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 6, 2)).astype(np.float32)
    X[:8, :2] = -1.0
    fitted = [
        RNNRegressor(
            cell="gru", units=3, mask_value=-1.0, epochs=1, random_state=seed
        ).fit(X, X[:, -1, 0])
        for seed in (0, 1)
    ]
    outputs = [reg.predict(X) for reg in fitted]
    assert len(traces) == 1
    assert not np.allclose(outputs[0], outputs[1], rtol=0.01)
    for reg in fitted:
        predictor = reg._compiled_predictor()
        own = predictor._trace()
        shape = [6 if size is None else size for size in predictor._sample_shape]
        inputs = rng.normal(size=(5, *shape)).astype(np.float32)
        np.testing.assert_array_equal(
            predictor(inputs), own(tf.constant(inputs)).numpy()
        )


@pytest.mark.tensorflow_only
def test_a_string_equal_to_a_layer_name_is_not_taken_for_it():
    keras = _backend.get_keras()

    def network(activation):  # a layer named after its own activation
        inputs = keras.Input((4,), name="values")
        outputs = keras.layers.Dense(2, activation=activation, name=activation)(inputs)
        return keras.Model(inputs, outputs, name="named")

    def key(model):
        return _tensorflow._architecture_key(model, np.dtype("float32"), (4,))

    assert key(network("relu")) != key(network("tanh"))
    assert key(network("relu")) == key(network("relu"))


def test_to_numpy_copies_variables_and_tensors_without_a_numpy_warning():
    # Keras' convert_to_numpy calls np.array on a variable, whose __array__
    # takes no copy argument: NumPy 2 warned once a call.
    keras = _backend.get_keras()
    variable = keras.Variable(np.arange(6, dtype="float32").reshape(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = _backend.to_numpy(variable)
        tensor = _backend.to_numpy(keras.ops.convert_to_tensor(values) * 2)
    assert type(values) is np.ndarray and values.dtype == np.float32
    np.testing.assert_array_equal(values, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(tensor, 2 * values)
    variable.assign(np.zeros((2, 3), "float32"))  # the copy keeps its values
    np.testing.assert_array_equal(values, np.arange(6).reshape(2, 3))


def test_fits_and_predictions_raise_no_numpy_array_copy_warning(sum_data, sign_data):
    """Before, each epoch copied the optimizer's variables out through Keras'
    convert_to_numpy (tens of warnings a fit) and the regressor's plateau
    schedule (Keras' ReduceLROnPlateau) warned once an epoch."""
    from skrnn import RNNClassifier, SequenceForecaster

    if _backend.backend_name() == "torch":
        pytest.skip("Keras' PyTorch loop converts each batch's logs with np.array")
    X, y = sum_data
    Xc, yc = sign_data
    series = np.sin(np.arange(80) / 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        regressor = RNNRegressor(units=4, epochs=3, random_state=0, n_networks=1)
        regressor.fit(X[:40], y[:40]).predict(X[:5])
        classifier = RNNClassifier(cell="gru", units=4, epochs=3, random_state=0)
        classifier.fit(Xc[:40], yc[:40]).predict_proba(Xc[:5])
        forecaster = SequenceForecaster(window=6, units=4, epochs=3, random_state=0)
        forecaster.fit(series).predict()
    assert regressor.training_params_["lr_schedule"] == "plateau"
    copies = [str(w.message) for w in caught if "__array__" in str(w.message)]
    assert not copies, copies[:3]
