"""What differs by backend: the choices of skrnn._per_backend."""

import pytest

from skrnn import _per_backend


@pytest.mark.parametrize(
    "backend, cell, stateful, options",
    [
        # Keras' own PyTorch GRU/LSTM fails the backward pass of a stateful
        # layer (the state is assigned in place): Keras' generic loop instead.
        ("torch", "gru", True, {"use_cudnn": False}),
        ("torch", "lstm", True, {"use_cudnn": False}),
        # SimpleRNN has no function of its own (and no use_cudnn argument).
        ("torch", "simple", True, {}),
        # Not stateful, or another backend: Keras' own choice.
        ("torch", "gru", False, {}),
        ("tensorflow", "gru", True, {}),
        ("jax", "lstm", True, {}),
    ],
)
def test_stateful_recurrent_layers_take_the_generic_loop_on_pytorch_only(
    monkeypatch, backend, cell, stateful, options
):
    monkeypatch.setattr(_per_backend, "backend_name", lambda: backend)
    assert _per_backend.recurrent_layer_options(cell, stateful) == options
