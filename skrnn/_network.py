"""The one place that turns estimator parameters into Keras layers."""

import numpy as np

from ._backend import get_keras

_CELLS = {"lstm": "LSTM", "gru": "GRU", "simple": "SimpleRNN"}

_OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "Nadam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
    "adagrad": "Adagrad",
}


def build_network(
    *,
    input_shape,
    n_outputs,
    output_activation,
    cell="lstm",
    units=(32,),
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    mask_value=None,
    vocabulary_size=None,
    embedding_dim=None,
    return_sequences=False,
    conv_filters=(),
    conv_kernel_size=8,
    conv_pool_size=1,
    pooling="last",
    batch_size=None,
    stateful=False,
    n_members=1,
    seed,
):
    """Build an uncompiled recurrent network.

    Every random initializer and dropout layer gets its own seed drawn from
    ``seed``, so the network does not depend on the global random generators
    (which other threads, e.g. those of a dask worker, may draw from at any time).

    Parameters
    ----------
    input_shape : tuple
        ``(n_steps, n_features)`` of one sample; ``n_steps`` may be ``None``.
        With ``vocabulary_size``, samples are integer codes of shape ``(n_steps,)``
        and ``n_features`` is ignored.
    n_outputs : int
        Units of the final dense layer.
    output_activation : str or None
        Activation of the final dense layer.
    cell, units, bidirectional, dropout, recurrent_dropout, mask_value :
        As documented on the estimators.
    vocabulary_size, embedding_dim : int or None
        Size of the symbol vocabulary (code 0 is padding) and of its embedding.
    return_sequences : bool
        Whether the last recurrent layer, and so the output, is per time step.
    conv_filters, conv_kernel_size : tuple of int, int
        The convolutional front end: one ``Conv1D(filters, conv_kernel_size,
        padding="same")`` + ``BatchNormalization`` + ReLU block per entry,
        before the recurrent layers; ``()`` for none. It does not carry a mask:
        the inputs must not hold padding.
    conv_pool_size : int, default=1
        Steps the front end's first block max-pools into one
        (``MaxPooling1D``), so that long series reach the later blocks and the
        recurrent layers shortened, after a convolution that read every step.
    pooling : {"last", "mean"}
        What the output layer reads without ``return_sequences``: the last
        recurrent layer's final state, or the mean of its outputs over the
        steps (``GlobalAveragePooling1D``, which skips masked steps).
    batch_size, stateful : int or None, bool
        A fixed batch size and recurrent layers that carry their state from one
        batch to the next (truncated backpropagation through time).
    n_members : int, default=1
        Independent networks (from the front end to the output layer, each
        with its own initial weights) reading the same inputs. With more than
        one the output has shape ``(batch, n_members, n_outputs)``: trained on
        targets repeated along the members axis, the loss is the mean of the
        members' losses, so no member's gradient depends on another's.
    seed : int
        Seed of the initial weights and of the dropout masks.

    Returns
    -------
    model : keras.Model
    """
    keras = get_keras()
    layers = keras.layers
    init = keras.initializers
    seeds = np.random.RandomState(seed)

    def draw():
        return int(seeds.randint(1, 2**31 - 1))

    n_steps, n_features = input_shape[0], input_shape[-1]
    if vocabulary_size is not None:
        inputs = keras.Input(
            shape=(n_steps,), batch_size=batch_size, dtype="int32", name="codes"
        )
        x = layers.Embedding(
            vocabulary_size,
            embedding_dim,
            mask_zero=True,
            embeddings_initializer=init.RandomUniform(-0.05, 0.05, seed=draw()),
        )(inputs)
    else:
        inputs = keras.Input(
            shape=(n_steps, n_features), batch_size=batch_size, name="sequences"
        )
        x = inputs
        if mask_value is not None:
            x = layers.Masking(mask_value=mask_value)(x)
    cell_class = getattr(layers, _CELLS[cell])
    mean_pooled = pooling == "mean" and not return_sequences

    def recurrent_layer(n_units, sequences, go_backwards=False):
        return cell_class(
            n_units,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            return_sequences=sequences,
            stateful=stateful,
            go_backwards=go_backwards,
            kernel_initializer=init.GlorotUniform(seed=draw()),
            recurrent_initializer=init.Orthogonal(seed=draw()),
            seed=draw(),
        )

    def member(x, suffix):
        for block, filters in enumerate(conv_filters):
            x = layers.Conv1D(
                filters,
                conv_kernel_size,
                padding="same",
                kernel_initializer=init.GlorotUniform(seed=draw()),
            )(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
            if block == 0 and conv_pool_size > 1:
                x = layers.MaxPooling1D(conv_pool_size, padding="same")(x)
        for depth, n_units in enumerate(units):
            sequences = return_sequences or mean_pooled or depth < len(units) - 1
            recurrent = recurrent_layer(n_units, sequences)
            if bidirectional:
                recurrent = layers.Bidirectional(
                    recurrent,
                    backward_layer=recurrent_layer(
                        n_units, sequences, go_backwards=True
                    ),
                )
            x = recurrent(x)
        if mean_pooled:
            x = layers.GlobalAveragePooling1D()(x)
        return layers.Dense(
            n_outputs,
            activation=output_activation,
            kernel_initializer=init.GlorotUniform(seed=draw()),
            name="output" + suffix,
        )(x)

    if n_members == 1:
        outputs = member(x, "")
    else:
        members = [member(x, f"_{k}") for k in range(n_members)]
        outputs = layers.Reshape((n_members, n_outputs), name="output")(
            layers.Concatenate()(members)
        )
    return keras.Model(inputs, outputs)


def make_optimizer(name, learning_rate):
    """Instantiate a Keras optimizer from its scikit-learn style name."""
    keras = get_keras()
    return getattr(keras.optimizers, _OPTIMIZERS[name])(learning_rate=learning_rate)
