"""Everything of skrnn that only TensorFlow has, in one place.

Imported by :mod:`skrnn._per_backend` only once Keras runs on TensorFlow
(whose thread pools and notices :mod:`skrnn._backend` sets as it loads): the
workarounds for TensorFlow's process-wide registries that
would keep every fit alive (custom gradients, ``from_generator`` callbacks),
``tf.distribute`` scopes, ``tf.data`` datasets and the traced/compiled
predictor. The other backends (JAX, PyTorch) go through Keras' own
equivalents, chosen in :mod:`skrnn._per_backend`.
"""

import collections
import contextlib
import json
import threading
import weakref

import numpy as np

from ._backend import at_least_min_batch, get_keras, in_chunks, inner_layers
from ._pools import FreeLists


def get_tf():
    """Return the ``tensorflow`` module (importing Keras first)."""
    get_keras()
    import tensorflow

    return tensorflow


def _gradient_registry():
    """TensorFlow's global registry of gradient functions (private), or None."""
    try:
        from tensorflow.python.framework import ops

        return ops._gradient_registry._registry
    except (ImportError, AttributeError):
        return None


# tensorflow/tensorflow#97697: every tf.custom_gradient traced in graph mode stays
# in a global registry forever, and with it the whole traced training step (its
# gradient closure captures the forward results). The fix (tensorflow#109334:
# the closure no longer captures them) is merged upstream; 2.21 still leaks. The
# workaround is off from this version on, and also wherever an entry's closure
# holds no forward results (the fixed layout): it then finds nothing to remove.
_REGISTRY_LEAK_FIXED_IN = (2, 22)


def _tf_version():
    tf = get_tf()
    return tuple(int(part) for part in tf.__version__.split(".")[:2] if part.isdigit())


def _graphs_of(entry):
    """The graph of a custom-gradient entry's forward results and its outer graphs.

    Anything unexpected (another TensorFlow layout) yields nothing, so the entry
    is kept.
    """
    try:
        outer = entry["type"]
        cells = dict(zip(outer.__code__.co_freevars, outer.__closure__, strict=True))
        tape_grad_fn = cells["tape_grad_fn"].cell_contents
        cells = dict(
            zip(
                tape_grad_fn.__code__.co_freevars, tape_grad_fn.__closure__, strict=True
            )
        )
        result = cells["result"].cell_contents
        graph = result[0].graph if result else None
    except Exception:
        return []
    graphs = []
    while graph is not None:
        graphs.append(graph)
        graph = getattr(graph, "outer_graph", None)
    return graphs


def _variable_ids(model):
    """Identities of the TensorFlow variables of a Keras model and its optimizer."""
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)
    return {id(getattr(variable, "value", variable)) for variable in variables}


def _belongs_to(entry, variable_ids):
    """Whether a registry entry was traced for a step that uses these variables."""
    for graph in _graphs_of(entry):
        used = getattr(graph, "variables", None) or ()
        if any(id(variable) in variable_ids for variable in used):
            return True
    return False


def registry_workaround_active():
    """Whether this TensorFlow needs :func:`released_custom_gradients` to act."""
    return _gradient_registry() is not None and _tf_version() < _REGISTRY_LEAK_FIXED_IN


@contextlib.contextmanager
def released_custom_gradients(model):
    """Free the custom-gradient registry entries of ``model``'s training once done.

    In graph mode every ``tf.custom_gradient`` (Keras' optimizer uses one to sum
    gradients across replicas) registers a gradient function in a global
    registry that is never emptied, and it keeps the whole traced training step
    alive: about 10 MB per fit, forever (tensorflow/tensorflow#97697). This
    removes the entries that were registered during the block AND whose traced
    step uses ``model``'s variables -- never an entry of another thread's fit. It
    relies on TensorFlow internals, does nothing where they differ, and nothing
    on a TensorFlow that carries the upstream fix.
    """
    if not registry_workaround_active():
        yield
        return
    registry = _gradient_registry()
    before = set(registry)
    try:
        yield
    finally:
        ours = _variable_ids(model)
        for key in set(registry) - before:
            entry = registry.get(key)
            if key.startswith("CustomGradient-") and entry is not None:
                if _belongs_to(entry, ours):
                    registry.pop(key, None)


def _outermost_graph():
    """The graph to which TensorFlow ties the Python functions of ``py_func`` ops."""
    from tensorflow.python.framework import ops

    graph = ops.get_default_graph()
    while getattr(graph, "outer_graph", None) is not None:
        graph = graph.outer_graph
    return graph


def _generator_state_of(function):
    """The generator state of a ``Dataset.from_generator`` callback, or None."""
    wrapped = getattr(function, "__wrapped__", function)
    state = getattr(wrapped, "__self__", None)
    if state is None:
        code = getattr(wrapped, "__code__", None)
        closure = getattr(wrapped, "__closure__", None) or ()
        if code is None:
            return None
        cells = dict(zip(code.co_freevars, closure, strict=False))
        cell = cells.get("generator_state")
        try:
            state = cell.cell_contents if cell is not None else None
        except ValueError:  # an empty cell
            return None
    return state


def _generator_of(function):
    """The generator of a ``Dataset.from_generator`` callback, or None."""
    return getattr(_generator_state_of(function), "_generator", None)


# Traced functions dropped (a pooled trainer's step, a shared forward pass)
# before the kernel cache is cleared (see dropped_traced_function).
_CLEAR_AFTER_DROPS = 8
_DROPS_LOCK = threading.Lock()
_DROPS = [0]


def clear_kernel_cache():
    """Drop the kernels TensorFlow's eager context instantiated (private API)."""
    try:
        from tensorflow.python.eager import context

        context.context().clear_kernel_cache()
    except (ImportError, AttributeError):  # another layout: nothing to clear
        pass


def dropped_traced_function():
    """Count a traced function dropped; clear the kernel cache every
    :data:`_CLEAR_AFTER_DROPS`.

    A traced function is removed from TensorFlow's eager context when it is
    freed, but the kernels instantiated to run it stay in the context's kernel
    cache: 0.2 MB or more for each small network trained and dropped (57 MB
    after 120 fits cycling through 12 GRU sizes, a grid search over ``units``;
    78 MB after 60 fits of 60 sizes). Clearing the cache also drops the kernels
    of the functions still in use, which instantiate them again on their next
    call (0.03-0.2 s each): cleared after every dropped function, the fast test
    tier took 12% longer. Every eighth keeps the cache to the kernels of a few
    networks at the cost of one such round per eight new networks traced.
    """
    with _DROPS_LOCK:
        _DROPS[0] += 1
        due = _DROPS[0] >= _CLEAR_AFTER_DROPS
        if due:
            _DROPS[0] = 0
    if due:
        clear_kernel_cache()


@contextlib.contextmanager
def released_generator_datasets():
    """Free, once the block is done, the datasets made from generators inside it.

    ``tf.data.Dataset.from_generator`` calls its generator through ``py_func``
    ops, and TensorFlow keeps each such Python callback alive in a list on the
    process' global graph that is never emptied: every fit would keep its
    generator, and through it its training data, forever. The block yields a
    list; append each generator function handed to ``from_generator`` in the
    block, and its callbacks are taken off the global list when the block
    ends -- the datasets must not be iterated after it. Callbacks of other
    generators (other threads' fits, the user's datasets) are never touched.
    The kept pipelines :func:`generator_dataset` appends are given back to
    :data:`PIPELINES` instead: they forget the block's generator and keep
    their callbacks for the next fit (dropped, and released, if an iterator of
    theirs is still alive).
    """
    generators = []
    try:
        yield generators
    finally:
        pipelines = [item for item in generators if isinstance(item, _Pipeline)]
        others = [item for item in generators if not isinstance(item, _Pipeline)]
        if others:
            _release_generators(others)
        for pipeline in pipelines:
            PIPELINES.give_back(pipeline)


def _py_funcs():
    """TensorFlow's global list of the Python functions of ``py_func`` ops."""
    return getattr(_outermost_graph(), "_py_funcs_used_in_graph", None) or []


def _release_generators(generators):
    funcs = _py_funcs()
    if not funcs:
        return
    ours = {id(generator) for generator in generators}
    for function in list(funcs):  # a copy: other threads may append meanwhile
        if id(_generator_of(function)) in ours:
            with contextlib.suppress(ValueError):
                funcs.remove(function)  # one atomic step under the GIL


def fuse_adam_updates(optimizer):
    """Give a Keras ``Adam`` TensorFlow's fused update kernel; return it.

    Keras 3 writes Adam's update of each variable as about 40 separate
    operations (powers, casts, the two moments, the step), traced one by one
    and then run one by one at every training step. TensorFlow's
    ``ResourceApplyAdam`` computes the same update -- the same moments and
    bias-corrected step, in the variable's dtype -- in one kernel: a new
    network traces its training step faster (the recipe's 48 variables: 0.8 s
    of its 2.7 s trace), and steps on small data run faster (where the
    recurrence is most of a step, as on the UCR sets, about 3%). The
    results agree with Keras' own update to float32 rounding (the kernel's
    order of operations), not bit for bit. Where the fused kernel does not
    apply -- AMSGrad, a sparse gradient (embeddings), another optimizer, a
    Keras without the attributes read by :class:`_FusedAdamStep` -- Keras' own
    update runs.
    """
    keras = get_keras()
    if type(optimizer) is keras.optimizers.Adam and not optimizer.amsgrad:
        optimizer.update_step = _FusedAdamStep(optimizer)
    return optimizer


class _FusedAdamStep:
    """``optimizer.update_step`` through ``ResourceApplyAdam``.

    A callable object holding the optimizer weakly (the optimizer holds it):
    no reference cycle keeps a dropped network's optimizer alive.
    """

    def __init__(self, optimizer):
        self._optimizer = weakref.ref(optimizer)

    def __call__(self, gradient, variable, learning_rate):
        tf = get_tf()
        optimizer = self._optimizer()
        slots = [getattr(optimizer, name, None) for name in _ADAM_SLOTS]
        index = getattr(optimizer, "_get_variable_index", None)
        if (
            isinstance(gradient, tf.IndexedSlices)
            or None in slots
            or index is None
            or not hasattr(variable, "handle")
        ):
            return type(optimizer).update_step(
                optimizer, gradient, variable, learning_rate
            )
        dtype = variable.dtype
        momentum, velocity = (slot[index(variable)] for slot in slots)
        step = tf.cast(optimizer.iterations + 1, dtype)
        beta_1 = tf.cast(optimizer.beta_1, dtype)
        beta_2 = tf.cast(optimizer.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=momentum.handle,
            v=velocity.handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(optimizer.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )


# Keras' Adam keeps its moments in these lists, one slot per variable, found by
# _get_variable_index (Keras 3.x; checked at every trace, see above).
_ADAM_SLOTS = ("_momentums", "_velocities")


def distribution_scope(distribution):
    """The ``tf.distribute`` scope a network is built and compiled in.

    None builds outside any strategy; "default" uses TensorFlow's current
    strategy (the default one unless the caller entered another); "mirrored"
    replicates the network on every visible GPU (or the CPU) with
    ``tf.distribute.MirroredStrategy``, splitting each batch across them.
    """
    if distribution is None:
        return contextlib.nullcontext()
    tf = get_tf()
    if distribution == "mirrored":
        return tf.distribute.MirroredStrategy().scope()
    return tf.distribute.get_strategy().scope()


# A predictor called this many times at one short sequence length traces a
# function for that length with its recurrent layers unrolled: the same
# operations step by step, without the while loop's per-step bookkeeping (a
# third of a small LSTM's latency). Tracing it takes 0.3-0.5 s and about 2 MB
# more per estimator, worth it only where predict is called again and again
# (serving), not where an estimator predicts once or twice after its fit.
_UNROLL_AFTER = 50
# At most this many recurrent steps (sequence length x recurrent layers) are
# unrolled: more would take seconds to trace.
_UNROLL_BUDGET = 64

# With ``compile_hot``, a predictor called this many times with inputs of one
# shape compiles a function for exactly that shape with XLA (``jit_compile``):
# the whole forward pass, recurrent loops included, as one native program,
# without TensorFlow's per-operation dispatch (about 50 microseconds per
# recurrent step of a small network). One sample of 24 steps on 2 busy CPU
# cores: the default recipe (3 networks, each a convolutional front end and a
# bidirectional GRU) 10-15 ms -> 2.3 ms, a plain LSTM(32) 1.2 ms unrolled ->
# 0.5 ms. Compiling takes 0.5 s (LSTM(32)) to 3 s (default recipe), and
# TensorFlow keeps the program (1 MB, 21 MB) until the process ends -- its
# compilation cache never evicts -- so only a shape predicted again and again
# (serving) is compiled, one per predictor. XLA fuses operations and has its
# own exp and tanh: its outputs differ from the traced function's by float32
# rounding (up to about 1e-6 relative seen), so a shape's predictions change
# by that much once it is compiled, and never again. It serves only if it
# agrees with the traced function on the inputs it is compiled on within this
# tolerance; otherwise (or if XLA cannot compile the network) the shape stays
# on the traced function.
_HOT_AFTER = 50
_HOT_RTOL = 1e-5
_HOT_ATOL = 1e-6


def _recurrent_layers(layer):
    """The Keras ``RNN`` layers inside ``layer`` (wrappers and nested models too)."""
    keras = get_keras()
    return [
        inner for inner in inner_layers(layer) if isinstance(inner, keras.layers.RNN)
    ]


# Traced forward passes kept for networks of one architecture (see
# _SharedForwards): the most recently used, each with a weightless template.
_SHARED_FORWARDS_SIZE = 8


# Layers whose configuration says what they compute: Keras' own and skrnn's
# (skrnn._layers), told by the module that defines their class.
_PACKAGE = __name__.rpartition(".")[0] + "."


def _architecture_key(model, dtype, sample_shape):
    """What a forward pass is traced for: ``model``'s configuration with the
    layers named by position and without seeds, its input and its variables'
    shapes; None for a network whose configuration may not say what it
    computes (a layer of the user's own, a ``Lambda``, a stateful recurrent
    layer, which a forward pass changes).

    Two networks of one key compute the same function of their weights: the
    configuration is what ``keras.models.clone_model`` and a ``.keras`` file
    rebuild a network from. Seeds only draw initial weights and dropout masks
    (inactive in a forward pass); the layers' names are Keras' own counters
    (``not_equal_2``) where skrnn names none.
    """
    keras = get_keras()
    layers = inner_layers(model)
    for layer in layers:
        if (
            not type(layer).__module__.startswith(("keras.", _PACKAGE))
            or isinstance(layer, keras.layers.Lambda)
            or getattr(layer, "stateful", False)
        ):
            return None
    try:
        config = model.get_config()
    except Exception:  # not serialisable: its own trace
        return None
    if not isinstance(config, dict):
        return None
    names = {
        layer.get("name"): f"#{position}"
        for position, layer in enumerate(config.get("layers", ()))
        if isinstance(layer, dict) and isinstance(layer.get("name"), str)
    }
    names[config.get("name")] = "#model"

    def renamed(name):
        return names.get(name, name) if isinstance(name, str) else name

    def canonical(value, key=None):
        """``value`` without seeds, with the layers' names replaced by their
        positions where a name is meant: a layer's ``name``, the first item of
        a ``keras_history`` or of an ``input_layers``/``output_layers`` entry
        (not any string that happens to equal a layer's name)."""
        if isinstance(value, dict):
            return {k: canonical(v, k) for k, v in value.items() if k != "seed"}
        if isinstance(value, (list, tuple)):
            if key == "keras_history" and value:
                return [renamed(value[0]), *map(canonical, value[1:])]
            if key in ("input_layers", "output_layers"):
                return [
                    [renamed(entry[0]), *entry[1:]]
                    if isinstance(entry, (list, tuple)) and entry
                    else canonical(entry, key)
                    for entry in value
                ]
            return [canonical(v) for v in value]
        if key == "name":
            return renamed(value)
        return value

    try:
        text = json.dumps(canonical(config), sort_keys=True)
    except (TypeError, ValueError):
        return None
    variables = tuple(
        (tuple(v.shape), str(v.dtype))
        for group in (model.trainable_variables, model.non_trainable_variables)
        for v in group
    )
    return (type(model).__qualname__, text, str(dtype), sample_shape, variables)


class _SharedForwards:
    """Forward passes traced once per architecture, weights as arguments.

    A fitted network's first prediction traced a forward pass of its own
    (0.05-0.5 s; half a second for the default recipe), again for each
    estimator of a grid search, a cross-validation or an ensemble. Here one
    pass is traced per :func:`_architecture_key` on a weightless template (a
    clone, so that no user's network is kept alive) with Keras'
    ``stateless_call``; each network calls it with its own variables, read at
    every call. The operations are those of the network's own call on the same
    values: the same numbers (checked bit for bit in the tests). At most
    ``size`` are kept, the most recently used.
    """

    def __init__(self, size=_SHARED_FORWARDS_SIZE):
        self.size = size
        self._lock = threading.Lock()
        self._functions = collections.OrderedDict()

    def __len__(self):
        with self._lock:
            return len(self._functions)

    def function(self, model, dtype, sample_shape):
        """``f(inputs, trainable, non_trainable)`` for ``model``'s architecture,
        or None where it has no key or cannot be traced without its weights."""
        key = _architecture_key(model, dtype, sample_shape)
        if key is None:
            return None
        with self._lock:
            function = self._functions.get(key)
            if function is not None:
                self._functions.move_to_end(key)
                return function
        function = self._trace(model, dtype, sample_shape)
        if function is None:
            return None
        with self._lock:
            function = self._functions.setdefault(key, function)
            self._functions.move_to_end(key)
            dropped = len(self._functions) > self.size
            while len(self._functions) > self.size:
                self._functions.popitem(last=False)
        if dropped:
            dropped_traced_function()
        return function

    @staticmethod
    def _trace(model, dtype, sample_shape):
        keras, tf = get_keras(), get_tf()
        try:
            template = keras.models.clone_model(model)
            trainable = [
                tf.TensorSpec(v.shape, v.dtype) for v in template.trainable_variables
            ]
            non_trainable = [
                tf.TensorSpec(v.shape, v.dtype)
                for v in template.non_trainable_variables
            ]
            if [s.shape for s in trainable + non_trainable] != [
                tuple(v.shape)
                for v in model.trainable_variables + model.non_trainable_variables
            ]:
                return None

            def forward(inputs, trainable, non_trainable):
                outputs, _ = template.stateless_call(
                    trainable, non_trainable, inputs, training=False
                )
                return outputs

            return tf.function(
                forward,
                input_signature=[
                    tf.TensorSpec([None, *sample_shape], dtype),
                    trainable,
                    non_trainable,
                ],
                autograph=False,  # a plain forward pass: nothing to convert
            ).get_concrete_function()
        except Exception:  # a network that does not clone: its own trace
            return None


SHARED_FORWARDS = _SharedForwards()


class _WithOwnWeights:
    """A shared forward pass called with one network's variables.

    Each call binds and reads every variable: about 20-40 us per variable
    (the default recipe's 66: 7.6 ms for one sample instead of 5.2 ms with a
    pass of its own; an LSTM(32) 1.1 ms instead of 0.7 ms). A predictor
    called again and again moves on to a function of its own after
    ``_UNROLL_AFTER`` or ``_HOT_AFTER`` calls (unrolled, or compiled with XLA).
    Packing the weights into one vector per call cost more than it saved
    (1.6 MB copied per call for the recipe; its first call 0.16 s).
    """

    def __init__(self, function, model):
        self._function = function
        self._model = model

    def __call__(self, inputs):
        model = self._model
        return self._function(
            inputs,
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
        )


class CompiledPredictor:
    """A traced forward pass of a Keras model, called directly on NumPy arrays.

    ``Model.predict`` builds a dataset and a progress loop per call (tens of
    milliseconds); this calls a traced concrete function per chunk instead,
    without ``tf.function``'s argument binding and cache lookup (about 0.4 ms
    a call). One function, traced on first use (and shared by the networks of
    one architecture, :class:`_SharedForwards`), serves every shape. After
    ``_UNROLL_AFTER`` calls at one short length (``_UNROLL_BUDGET``) a second
    one, traced for that length with the recurrent layers unrolled, serves it;
    or, for calls with ``compile_hot=True``, after ``_HOT_AFTER`` calls with one
    input shape an XLA-compiled function serves that shape.
    """

    def __init__(self, model):
        tf = get_tf()
        self.model = model
        inputs = model.inputs[0]
        self._dtype = np.dtype(tf.as_dtype(inputs.dtype).as_numpy_dtype)
        self._sample_shape = tuple(inputs.shape[1:])
        self._constant = tf.constant
        self._lock = threading.RLock()
        self._generic = None
        # (n_steps, function) of the length served unrolled, once decided.
        self._unrolled = None
        self._calls = collections.Counter()
        # (shape, function) of the shape served compiled, once decided.
        self._hot = None
        self._hot_calls = collections.Counter()

    def __call__(self, X, *, compile_hot=False):
        """The model's outputs on ``X``, a NumPy array, as a NumPy array.

        With ``compile_hot``, a shape called ``_HOT_AFTER`` times is compiled
        with XLA (see there) instead of unrolled.
        """
        return in_chunks(self._run_hot if compile_hot else self._run, X)

    def _inputs(self, X):
        """X as a tensor of at least ``_MIN_BATCH`` rows, and its own row count."""
        X, n_samples = at_least_min_batch(X)
        return self._constant(np.asarray(X, dtype=self._dtype)), n_samples

    def _run(self, X):
        inputs, n_samples = self._inputs(X)
        return self._function_for(inputs)(inputs).numpy()[:n_samples]

    def _run_generic(self, X):
        inputs, n_samples = self._inputs(X)
        return self._generic_function()(inputs).numpy()[:n_samples]

    def _run_hot(self, X):
        hot = self._hot
        if hot is None:
            shape = X.shape
            self._hot_calls[shape] += 1
            if self._hot_calls[shape] <= _HOT_AFTER:
                return self._run_generic(X)
            with self._lock:
                if self._hot is None:
                    self._hot = (shape, self._compile(X))
                    self._hot_calls.clear()
            hot = self._hot
        if hot[1] is None or hot[0] != X.shape:
            return self._run_generic(X)
        # The compiled shape as it is: no second row (XLA's one-row kernels
        # are its own, the same at every call).
        return hot[1](self._constant(np.asarray(X, dtype=self._dtype))).numpy()

    def _compile(self, X):
        """An XLA-compiled function for ``X``'s exact shape, or None."""
        inputs = self._constant(np.asarray(X, dtype=self._dtype))
        try:
            function = self._trace(shape=X.shape, jit_compile=True)
            compiled = function(inputs).numpy()
        except Exception:  # an operation XLA cannot compile: the traced function
            return None
        if not np.allclose(
            compiled, self._run_generic(X), rtol=_HOT_RTOL, atol=_HOT_ATOL
        ):
            return None
        return function

    def _function_for(self, inputs):
        n_steps = inputs.shape[1] if inputs.shape.rank > 1 else None
        unrolled = self._unrolled
        if unrolled is not None:
            if unrolled[0] == n_steps and unrolled[1] is not None:
                return unrolled[1]
        else:
            self._calls[n_steps] += 1
            if self._calls[n_steps] > _UNROLL_AFTER:
                with self._lock:
                    if self._unrolled is None:
                        function = self._trace_unrolled(n_steps)
                        # The same numbers or nothing: predictions never change
                        # with the number of calls made before.
                        if function is not None and not np.array_equal(
                            function(inputs).numpy(),
                            self._generic_function()(inputs).numpy(),
                        ):
                            function = None
                        self._unrolled = (n_steps, function)
                        self._calls.clear()
                if self._unrolled[0] == n_steps and self._unrolled[1] is not None:
                    return self._unrolled[1]
        return self._generic_function()

    def _generic_function(self):
        if self._generic is None:
            with self._lock:
                if self._generic is None:
                    shared = SHARED_FORWARDS.function(
                        self.model, self._dtype, self._sample_shape
                    )
                    self._generic = (
                        self._trace()
                        if shared is None
                        else _WithOwnWeights(shared, self.model)
                    )
        return self._generic

    def _trace(self, n_steps=None, *, shape=None, jit_compile=None):
        tf = get_tf()
        model = self.model
        if shape is None:
            shape = [None, *self._sample_shape]
            if n_steps is not None:
                shape[1] = n_steps
        function = tf.function(
            lambda inputs: model(inputs, training=False),
            input_signature=[tf.TensorSpec(shape, self._dtype)],
            autograph=False,  # a plain forward pass: nothing to convert
            jit_compile=jit_compile,
        )
        return function.get_concrete_function()

    def _trace_unrolled(self, n_steps):
        """A function for ``n_steps`` with the recurrent layers unrolled, or None."""
        recurrent = _recurrent_layers(self.model)
        if (
            not recurrent
            or n_steps is None
            or len(self._sample_shape) < 2
            or self._sample_shape[0] not in (None, n_steps)
            or n_steps * len(recurrent) > _UNROLL_BUDGET
        ):
            return None
        saved = [layer.unroll for layer in recurrent]
        try:
            # Read while tracing only; the model is left as it was.
            for layer in recurrent:
                layer.unroll = True
            return self._trace(n_steps)
        except Exception:  # a layer that cannot unroll: the generic function
            return None
        finally:
            for layer, value in zip(recurrent, saved, strict=True):
                layer.unroll = value


def generator_dataset(passes, signature, *, rows, group=1, prefetch=2, generators=None):
    """A ``tf.data`` pipeline over a generator of stacked ``(x, y, w)`` batches.

    See :func:`skrnn._per_backend.generator_dataset`. With ``group > 1`` every item
    holds whole batches of ``rows`` rows, split here: nothing is dropped, and
    the batches keep a static size.

    With ``generators`` (the list of :func:`released_generator_datasets`) the
    pipeline is a kept one of the same signature where one is free
    (:class:`_Pipelines`): it reads ``passes`` until the block ends, then
    waits, holding nothing of the fit, for the next fit of that signature.
    Without, a pipeline of its own over ``passes``.
    """
    if generators is None:
        return _new_pipeline(
            passes, signature, rows=rows, group=group, prefetch=prefetch
        )
    key = (tuple((tuple(shape), np.dtype(dtype).str) for shape, dtype in signature),)
    key += (rows, group, prefetch)
    pipeline = PIPELINES.take(key)
    if pipeline is None:
        pipeline = _Pipeline(key, signature, rows=rows, group=group, prefetch=prefetch)
    pipeline.passes = passes
    generators.append(pipeline)
    return pipeline.dataset


def _new_pipeline(generate, signature, *, rows, group, prefetch):
    tf = get_tf()
    specs = tuple(tf.TensorSpec(shape, dtype) for shape, dtype in signature)
    dataset = tf.data.Dataset.from_generator(generate, output_signature=specs)
    if group > 1:
        dataset = dataset.rebatch(rows, drop_remainder=True)
    # No autotuning: the buffers are fixed (``prefetch``), and tf.data's tuning
    # thread, which wakes at doubling intervals, held up the release of a fit's
    # iterator until its next wake-up: the fit returned seconds after its last
    # epoch in most fits (7.5 s after a 14 s fit, 31 s after a 54 s one).
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = dataset.with_options(options)
    return dataset.prefetch(prefetch) if prefetch else dataset


class _Pipeline:
    """A ``from_generator`` pipeline whose generator is whatever fit uses it.

    Building a pipeline traces its ``tf.data`` functions: ~25 ms, a fifth of a
    small fit on a pooled trainer. A kept pipeline reads the ``passes`` of the
    fit that holds it; between fits it holds none.
    """

    def __init__(self, key, signature, *, rows, group, prefetch):
        self.key = key
        self.passes = None

        def generate():  # one object for the pipeline's life: TensorFlow keeps it
            passes = self.passes
            if passes is None:
                raise RuntimeError("a dataset of a finished fit was read")
            return passes()

        self.generate = generate
        self.dataset = _new_pipeline(
            generate, signature, rows=rows, group=group, prefetch=prefetch
        )

    def idle(self):
        """Whether no iterator of the pipeline is alive (its generator state is
        empty); False where TensorFlow's layout differs (never kept then)."""
        for function in _py_funcs():
            state = _generator_state_of(function)
            if getattr(state, "_generator", None) is self.generate:
                iterators = getattr(state, "_iterators", None)
                return iterators is not None and not iterators
        return False

    def release(self):
        """Take the pipeline's callbacks off TensorFlow's global list (dropped)."""
        _release_generators([self.generate])


# Free pipelines kept, the most recently used first out.
PIPELINES_KEPT = 8


class _Pipelines:
    """Free pipelines by signature, one fit at a time each (as the trainers)."""

    def __init__(self, size=PIPELINES_KEPT):
        self._free = FreeLists(size)

    @property
    def size(self):
        return self._free.size

    def __len__(self):
        return len(self._free)

    def take(self, key):
        return self._free.take(key)

    def give_back(self, pipeline):
        """Keep ``pipeline`` once its fit is done, or drop it if an iterator of
        it is still alive (its generator could read the fit's data)."""
        pipeline.passes = None
        if not pipeline.idle():
            pipeline.release()
            return
        for old in self._free.give_back(pipeline.key, pipeline):
            old.release()

    def clear(self):
        for old in self._free.clear():
            old.release()


PIPELINES = _Pipelines()


# ------------------------------------------------- the recurrent loops
# TensorFlow runs a Keras GRU's (or LSTM's) loop operation by operation, step
# by step, in its graph executor: at the small batches of skrnn's fits a
# training step costs the same whatever the batch size (the default recipe at
# OSULeaf's shape, 14 series of 107 pooled steps: ~100 ms of a ~145 ms step
# in the six recurrent loops, 2 cores), the per-operation dispatch of ~1,300
# loop iterations forward and backward, not arithmetic. Here a training layer
# instead multiplies its inputs by its kernel for all steps at once, then runs
# the recurrence (and, for its gradient, the recurrence backwards) as one
# XLA-compiled loop each: ~30 ms for the same six loops. The arithmetic is
# Keras' (its gate order; the GRU's ``reset_after``); XLA's exp and tanh and
# the order of the sums differ from the generic kernels' by float32 rounding.


def _recurrence(cell):
    """The compiled recurrence of ``cell`` ("gru", "lstm"), made once a process:
    ``f(projected, recurrent_kernel, *recurrent_bias)`` -> states
    (steps, batch, units), differentiable."""
    with _RECURRENCE_LOCK:
        if cell not in _RECURRENCES:
            define = {"gru": _define_gru, "lstm": _define_lstm}[cell]
            _RECURRENCES[cell] = define(get_tf())
        return _RECURRENCES[cell]


_RECURRENCE_LOCK = threading.Lock()
_RECURRENCES = {}


def _loop(tf, n_steps, step, carried, dtype, n_outputs, reverse=False):
    """``step(i, carried) -> (carried, outputs)`` for i = 0 .. n_steps - 1 (or
    backwards); the last ``carried`` and the ``n_outputs`` outputs stacked by i."""

    def body(t, carried, arrays):
        i = n_steps - 1 - t if reverse else t
        carried, outputs = step(i, carried)
        return (
            t + 1,
            carried,
            [a.write(i, o) for a, o in zip(arrays, outputs, strict=True)],
        )

    arrays = [tf.TensorArray(dtype, size=n_steps) for _ in range(n_outputs)]
    _, carried, arrays = tf.while_loop(
        lambda t, *_: t < n_steps, body, (tf.constant(0), carried, arrays)
    )
    return carried, [a.stack() for a in arrays]


def _differentiable(tf, forward, backward):
    """``forward(*inputs) -> (states, saved)`` with ``backward(d_states, states,
    saved, *inputs) -> gradients of inputs`` as its gradient."""

    @tf.custom_gradient
    def recurrence(*inputs):
        # Not differentiated (the gradient is backward): a tape watching the
        # inputs would make TensorFlow build a forward function that also
        # returns the loop's intermediate lists, which XLA refuses.
        states, saved = forward(*map(tf.stop_gradient, inputs))

        def gradient(d_states):
            return backward(d_states, states, saved, *inputs)

        return states, gradient

    return recurrence


def _previous(tf, states):
    """The states before each step: zeros, then ``states`` but the last."""
    return tf.concat([tf.zeros_like(states[:1]), states[:-1]], 0)


def _define_gru(tf):
    compiled = tf.function(jit_compile=True, autograph=False)

    @compiled
    def forward(projected, recurrent_kernel, recurrent_bias):
        """States and what the gradient needs: the gates ``z``, ``r``, the
        candidate ``n`` and the recurrent part of its pre-activation."""
        units = recurrent_kernel.shape[0]

        def step(t, state):
            x = projected[t]
            recurrent = tf.matmul(state, recurrent_kernel) + recurrent_bias
            gates = tf.sigmoid(x[:, : 2 * units] + recurrent[:, : 2 * units])
            z, r = gates[:, :units], gates[:, units:]
            candidate_recurrent = recurrent[:, 2 * units :]
            n = tf.tanh(x[:, 2 * units :] + r * candidate_recurrent)
            new = n + z * (state - n)
            return new, (new, tf.concat([gates, n, candidate_recurrent], 1))

        state = tf.zeros((tf.shape(projected)[1], units), projected.dtype)
        _, (states, saved) = _loop(
            tf, tf.shape(projected)[0], step, state, projected.dtype, 2
        )
        return states, saved

    @compiled
    def backward(d_states, states, saved, projected, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        previous = _previous(tf, states)
        transposed = tf.transpose(recurrent_kernel)

        def step(i, carried):
            kept = saved[i]
            z, r = kept[:, :units], kept[:, units : 2 * units]
            n, candidate_recurrent = (
                kept[:, 2 * units : 3 * units],
                kept[:, 3 * units :],
            )
            d_state = d_states[i] + carried
            d_n = d_state * (1 - z) * (1 - n * n)
            d_z = d_state * (previous[i] - n) * z * (1 - z)
            d_r = d_n * candidate_recurrent * r * (1 - r)
            d_recurrent = tf.concat([d_z, d_r, d_n * r], 1)
            carried = d_state * z + tf.matmul(d_recurrent, transposed)
            return carried, (d_recurrent, d_n)

        _, (d_recurrent, d_n) = _loop(
            tf,
            tf.shape(states)[0],
            step,
            tf.zeros_like(states[0]),
            states.dtype,
            2,
            reverse=True,
        )
        d_projected = tf.concat([d_recurrent[..., : 2 * units], d_n], -1)
        d_kernel = tf.einsum("tbu,tbv->uv", previous, d_recurrent)
        return d_projected, d_kernel, tf.reduce_sum(d_recurrent, [0, 1])

    return _differentiable(tf, forward, backward)


def _define_lstm(tf):
    compiled = tf.function(jit_compile=True, autograph=False)

    @compiled
    def forward(projected, recurrent_kernel):
        """States and what the gradient needs: the gates ``i``, ``f``, ``o``,
        the candidate ``g`` and the cell state ``c``."""
        units = recurrent_kernel.shape[0]

        def step(t, carried):
            state, cell = carried
            z = projected[t] + tf.matmul(state, recurrent_kernel)
            i = tf.sigmoid(z[:, :units])
            f = tf.sigmoid(z[:, units : 2 * units])
            g = tf.tanh(z[:, 2 * units : 3 * units])
            o = tf.sigmoid(z[:, 3 * units :])
            cell = f * cell + i * g
            state = o * tf.tanh(cell)
            return (state, cell), (state, tf.concat([i, f, g, o, cell], 1))

        zeros = tf.zeros((tf.shape(projected)[1], units), projected.dtype)
        _, (states, saved) = _loop(
            tf, tf.shape(projected)[0], step, (zeros, zeros), projected.dtype, 2
        )
        return states, saved

    @compiled
    def backward(d_states, states, saved, projected, recurrent_kernel):
        units = recurrent_kernel.shape[0]
        previous = _previous(tf, states)
        previous_cells = _previous(tf, saved[..., 4 * units :])
        transposed = tf.transpose(recurrent_kernel)

        def step(t, carried):
            d_carried_state, d_cell = carried
            kept = saved[t]
            i, f = kept[:, :units], kept[:, units : 2 * units]
            g, o = kept[:, 2 * units : 3 * units], kept[:, 3 * units : 4 * units]
            tanh_cell = tf.tanh(kept[:, 4 * units :])
            d_state = d_states[t] + d_carried_state
            d_cell = d_cell + d_state * o * (1 - tanh_cell * tanh_cell)
            d_z = tf.concat(
                [
                    d_cell * g * i * (1 - i),
                    d_cell * previous_cells[t] * f * (1 - f),
                    d_cell * i * (1 - g * g),
                    d_state * tanh_cell * o * (1 - o),
                ],
                1,
            )
            return (tf.matmul(d_z, transposed), d_cell * f), (d_z,)

        zeros = tf.zeros_like(states[0])
        _, (d_z,) = _loop(
            tf, tf.shape(states)[0], step, (zeros, zeros), states.dtype, 1, reverse=True
        )
        return d_z, tf.einsum("tbu,tbv->uv", previous, d_z)

    return _differentiable(tf, forward, backward)


def has_gpu():
    """Whether TensorFlow sees a GPU (asked once a process)."""
    if not _HAS_GPU:
        _HAS_GPU.append(bool(get_tf().config.list_logical_devices("GPU")))
    return _HAS_GPU[0]


_HAS_GPU = []


def training_recurrence(layer, sequences):
    """A Keras ``GRU`` or ``LSTM`` layer's output in training, its recurrence
    compiled (:func:`_recurrence`).

    For a layer that :mod:`skrnn._layers` found compilable (no mask, no
    dropout, no state carried in or out, Keras' activations; a GRU's
    ``reset_after``).
    """
    tf = get_tf()
    keras = get_keras()
    cell = layer.cell
    inputs = tf.convert_to_tensor(sequences)
    dtype = inputs.dtype
    kernel = tf.cast(tf.convert_to_tensor(cell.kernel), dtype)
    recurrent_kernel = tf.cast(tf.convert_to_tensor(cell.recurrent_kernel), dtype)
    bias = tf.cast(tf.convert_to_tensor(cell.bias), dtype)
    if isinstance(layer, keras.layers.GRU):
        recurrence = _recurrence("gru")
        input_bias, recurrent_bias = bias[0], (bias[1],)
    else:
        recurrence = _recurrence("lstm")
        input_bias, recurrent_bias = bias, ()
    projected = tf.einsum("btf,fg->tbg", inputs, kernel) + input_bias
    if layer.go_backwards:
        projected = tf.reverse(projected, [0])
    states = recurrence(projected, recurrent_kernel, *recurrent_bias)
    if layer.return_sequences:
        return tf.transpose(states, (1, 0, 2))
    return states[-1]
