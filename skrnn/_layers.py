"""skrnn's own Keras layers: a GRU whose training loop runs compiled.

Defined on first use (``import skrnn`` imports no Keras) and registered with
Keras as ``skrnn>GRU``, so that a saved network loads with it.
"""

import threading

from ._backend import get_keras
from ._per_backend import compiled_training_gru

_LOCK = threading.Lock()
_CLASSES = {}


def recurrent_class(cell):
    """The Keras layer class that builds a ``cell`` ("lstm", "gru", "simple")."""
    if cell == "gru":
        return gru_class()
    return getattr(get_keras().layers, {"lstm": "LSTM", "simple": "SimpleRNN"}[cell])


def gru_class():
    """skrnn's ``GRU``: ``keras.layers.GRU`` with its training loop compiled."""
    with _LOCK:
        if "gru" not in _CLASSES:
            _CLASSES["gru"] = _define_gru(get_keras())
        return _CLASSES["gru"]


def compile_training_loops(layers):
    """Let skrnn's GRU layers among ``layers`` train through compiled loops;
    whether any changed (a training step traced before must be traced anew).
    Once on, a layer keeps them: its compiled loops are kept for its shapes."""
    gru = gru_class()
    changed = False
    for layer in layers:
        if isinstance(layer, gru) and not layer.compiled_training:
            layer.compiled_training = True
            changed = True
    return changed


def custom_objects():
    """skrnn's layers by the names Keras saves them under, defined."""
    gru = gru_class()
    return {"skrnn>GRU": gru}


def _define_gru(keras):
    activations = keras.activations

    @keras.saving.register_keras_serializable(package="skrnn", name="GRU")
    class GRU(keras.layers.GRU):
        """``keras.layers.GRU``, the same layer, weights and configuration.

        In a long enough fit on TensorFlow's CPU (``compiled_training``, set
        by skrnn's training engine), a layer without a mask, dropout, a
        state carried in or out, unrolling or activations of its own runs
        its recurrence as one compiled loop
        (:func:`skrnn._tensorflow.training_gru`): the same function, several
        times faster at small batches. Everything else (predicting, a GPU's
        cuDNN kernel, JAX, PyTorch) is Keras' own GRU.
        """

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
                compiled = self._compilable() and compiled_training_gru()
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
                and cell.reset_after
                and cell.activation is activations.tanh
                and cell.recurrent_activation is activations.sigmoid
            )

    return GRU
