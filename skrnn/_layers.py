"""skrnn's own Keras layers: a GRU and an LSTM whose training loops run
compiled, and the random shift in time that augments training series.

Defined on first use (``import skrnn`` imports no Keras) and registered with
Keras as ``skrnn>GRU``, ``skrnn>LSTM`` and ``skrnn>RandomShift``, so that a
saved network loads with them.
"""

from ._backend import DefinedOnFirstUse, get_keras
from ._per_backend import compiled_training_recurrence

_classes = DefinedOnFirstUse(lambda keras: _define(keras))


def recurrent_class(cell):
    """The Keras layer class that builds a ``cell`` ("lstm", "gru", "simple")."""
    if cell == "simple":
        return get_keras().layers.SimpleRNN
    return _classes()[cell]


def gru_class():
    """skrnn's ``GRU``: ``keras.layers.GRU`` with its training loop compiled."""
    return _classes()["gru"]


def lstm_class():
    """skrnn's ``LSTM``: ``keras.layers.LSTM`` with its training loop compiled."""
    return _classes()["lstm"]


def random_shift_class():
    """skrnn's ``RandomShift``: series shifted in time at random while training."""
    return _classes()["random_shift"]


def _recurrent_classes():
    return tuple(cls for key, cls in _classes().items() if key != "random_shift")


def compile_training_loops(layers, wanted):
    """Let skrnn's recurrent layers among ``layers`` train through compiled
    loops (``wanted``) or Keras' own; whether any changed (a training step
    traced before must then be traced anew). Nothing changes where Keras' own
    loop serves anyway (not TensorFlow, a GPU): the step traced there stays."""
    if not compiled_training_recurrence():
        return False
    own = _recurrent_classes()
    changed = False
    for layer in layers:
        if isinstance(layer, own) and layer.compiled_training != wanted:
            layer.compiled_training = wanted
            changed = True
    return changed


def custom_objects():
    """skrnn's layers by the names Keras saves them under, defined."""
    return _classes.custom_objects()


def _define(keras):
    activations = keras.activations

    class _CompiledTraining:
        """In a long enough fit on TensorFlow's CPU (``compiled_training``,
        set by skrnn's training engine), a layer without a mask, dropout, a
        state carried in or out, unrolling or activations of its own runs its
        recurrence as one compiled loop
        (:func:`skrnn._tensorflow.training_recurrence`): the same function,
        several times faster at small batches. Everything else (predicting, a
        GPU's cuDNN kernel, JAX, PyTorch) is Keras' own layer."""

        # Set by the training engine for a fit long enough to pay for
        # compiling (see skrnn._engine); a layer built elsewhere runs Keras' loop.
        compiled_training = False

        def call(self, sequences, initial_state=None, mask=None, training=False):
            if (
                training
                and self.compiled_training
                and initial_state is None
                and mask is None
            ):
                compiled = self._compilable() and compiled_training_recurrence()
                if compiled:
                    return compiled(self, sequences)
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )

        def _compilable(self):
            cell = self.cell
            return (
                not self.stateful
                and not self.return_state
                and not self.unroll
                and cell.dropout == 0
                and cell.recurrent_dropout == 0
                and cell.use_bias
                and cell.activation is activations.tanh
                and cell.recurrent_activation is activations.sigmoid
            )

    register = keras.saving.register_keras_serializable

    @register(package="skrnn", name="GRU")
    class GRU(_CompiledTraining, keras.layers.GRU):
        """``keras.layers.GRU``, the same layer, weights and configuration;
        its training loop compiled where it pays (``_CompiledTraining``)."""

        def _compilable(self):
            return self.cell.reset_after and super()._compilable()

    @register(package="skrnn", name="LSTM")
    class LSTM(_CompiledTraining, keras.layers.LSTM):
        """``keras.layers.LSTM``, the same layer, weights and configuration;
        its training loop compiled where it pays (``_CompiledTraining``)."""

    @register(package="skrnn", name="RandomShift")
    class RandomShift(keras.layers.Layer):
        """Each series shifted in time by a random number of steps, while
        training only: up to ``fraction`` of its length either way, drawn anew
        for every series of every batch, its first or last step repeated into
        the steps it leaves. At prediction the layer passes its input through.

        A series' class rarely depends on where in the window its pattern
        starts; a small training set shows the network few of those positions
        (ACSF1's 100 series, research/ucr_research.md round 15).
        """

        def __init__(self, fraction, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.fraction = float(fraction)
            self.seed = seed
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs, training=False):
            if not training or self.fraction == 0:
                return inputs
            ops = keras.ops
            n_steps = ops.shape(inputs)[1]
            most = ops.cast(n_steps, "float32") * self.fraction
            draw = keras.random.uniform(
                (ops.shape(inputs)[0], 1), -1.0, 1.0, seed=self.seed_generator
            )
            shifts = ops.cast(ops.round(draw * most), "int32")
            steps = ops.arange(n_steps, dtype="int32")[None, :] + shifts
            steps = ops.clip(steps, 0, n_steps - 1)
            return ops.take_along_axis(inputs, steps[:, :, None], axis=1)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {
                **super().get_config(),
                "fraction": self.fraction,
                "seed": self.seed,
            }

    return {"gru": GRU, "lstm": LSTM, "random_shift": RandomShift}
