"""Truncated backpropagation through time (TBPTT) for very long sequences.

Backpropagating through a 100,000-step sequence keeps every step's activations
in memory. TBPTT cuts the sequences into chunks of ``tbptt_steps``: a stateful
copy of the network reads the chunks in order, carrying its recurrent state
from one chunk to the next, while gradients flow back only within a chunk. The
memory of a training step is bounded by the chunk length, not the sequence's.
"""

import numpy as np

from ._backend import get_keras, get_tf


def _reset_states(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def truncated_bptt_fit(estimator, X, targets, weights, epochs):
    """Train ``estimator.model_`` chunk by chunk; return the Keras History.

    Parameters
    ----------
    estimator : BaseRNN
        The estimator being fitted, with ``model_`` built.
    X : Sequences
        Equal-length samples, e.g. one long sequence.
    targets : ndarray of shape (n_samples, n_steps, n_outputs)
        Per-step targets.
    weights : ndarray of shape (n_samples,) or None
        Sample weights.
    epochs : int
        Passes over the whole sequences.
    """
    if not estimator.return_sequences:
        raise ValueError(
            "tbptt_steps needs return_sequences=True: truncated backpropagation "
            "trains on per-step targets."
        )
    if not X.is_dense or isinstance(targets, list):
        raise ValueError(
            "tbptt_steps needs sequences of equal length (for instance one long "
            "sequence); got sequences of different lengths."
        )
    if estimator.model is not None or estimator.early_stopping:
        raise ValueError(
            "tbptt_steps cannot be combined with 'model' or 'early_stopping'."
        )
    keras, tf = get_keras(), get_tf()
    data, n_samples, n_steps = X.dense, len(X), X.dense.shape[1]
    chunk = estimator.tbptt_steps
    stateful = estimator._network(
        X, estimator._check_units(), batch_size=n_samples, stateful=True
    )
    stateful.set_weights(estimator.model_.get_weights())
    estimator._compile(stateful)

    def chunks():
        while True:  # one pass per epoch, in order: the state carries across chunks
            for start in range(0, n_steps, chunk):
                part = (
                    data[:, start : start + chunk],
                    targets[:, start : start + chunk],
                )
                yield part if weights is None else part + (weights,)

    x_spec = tf.TensorSpec((n_samples, None) + data.shape[2:], data.dtype)
    y_spec = tf.TensorSpec((n_samples, None) + targets.shape[2:], targets.dtype)
    signature = (x_spec, y_spec)
    if weights is not None:
        signature += (tf.TensorSpec((n_samples,), weights.dtype),)
    dataset = tf.data.Dataset.from_generator(chunks, output_signature=signature)
    reset = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda *_: _reset_states(stateful)
    )
    history = stateful.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=int(np.ceil(n_steps / chunk)),
        callbacks=[reset],
        shuffle=False,
        verbose=estimator.verbose,
    )
    estimator.model_.set_weights(stateful.get_weights())
    return history
