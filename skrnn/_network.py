"""The one place that turns estimator parameters into Keras layers."""

import collections
import inspect

import numpy as np

from ._backend import get_keras
from ._layers import random_shift_class, recurrent_class
from ._per_backend import recurrent_layer_options

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
    random_shift=0.0,
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
    random_shift : float, default=0.0
        With more than 0, each member's first layer shifts its training series
        in time by up to this fraction of their length
        (:func:`~skrnn._layers.random_shift_class`); predictions read them as
        they are. The inputs must not hold padding.
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
        Every layer, and the model, carries an explicit name (``conv1d_0``,
        ``gru_1``, ...), the same for every network of the same spec: Keras'
        automatic names grow with each object a process builds, and TensorFlow
        caches eager kernels per variable name, so networks named anew at
        every fit would each add kernels that stay cached for the process.
    """
    keras = get_keras()
    layers = keras.layers
    counts = collections.Counter()

    def name(kind):
        counts[kind] += 1
        return f"{kind}_{counts[kind] - 1}"

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
            name="embedding",
        )(inputs)
    else:
        inputs = keras.Input(
            shape=(n_steps, n_features), batch_size=batch_size, name="sequences"
        )
        x = inputs
        if mask_value is not None:
            x = layers.Masking(mask_value=mask_value, name="masking")(x)
    cell_class = recurrent_class(cell)
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
            name=name(cell),
            **recurrent_layer_options(cell, stateful),
        )

    def member(x, suffix):
        if random_shift > 0:
            x = random_shift_class()(
                random_shift, seed=draw(), name=name("random_shift")
            )(x)
        for block, filters in enumerate(conv_filters):
            x = layers.Conv1D(
                filters,
                conv_kernel_size,
                padding="same",
                kernel_initializer=init.GlorotUniform(seed=draw()),
                name=name("conv1d"),
            )(x)
            x = layers.BatchNormalization(name=name("batch_normalization"))(x)
            x = layers.Activation("relu", name=name("relu"))(x)
            if block == 0 and conv_pool_size > 1:
                x = layers.MaxPooling1D(
                    conv_pool_size, padding="same", name=name("max_pooling1d")
                )(x)
        for depth, n_units in enumerate(units):
            sequences = return_sequences or mean_pooled or depth < len(units) - 1
            recurrent = recurrent_layer(n_units, sequences)
            if bidirectional:
                recurrent = layers.Bidirectional(
                    recurrent,
                    backward_layer=recurrent_layer(
                        n_units, sequences, go_backwards=True
                    ),
                    name=name("bidirectional"),
                )
            x = recurrent(x)
        if mean_pooled:
            x = layers.GlobalAveragePooling1D(name=name("mean_over_steps"))(x)
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
            layers.Concatenate(name="members")(members)
        )
    return keras.Model(inputs, outputs, name="skrnn_network")


def join_members(members, input_shape, n_outputs):
    """Networks side by side as one: the same inputs, outputs ``(batch,
    n_members, n_outputs)`` -- the ensemble layout of :func:`build_network`."""
    keras = get_keras()
    inputs = keras.Input(shape=input_shape, name="inputs")
    joined = keras.layers.Concatenate(name="members")([m(inputs) for m in members])
    outputs = keras.layers.Reshape((len(members), n_outputs), name="output")(joined)
    return keras.Model(inputs, outputs, name="skrnn_members")


def build_custom_network(
    builder,
    *,
    input_shape,
    n_outputs,
    output_activation,
    return_sequences=False,
    masked=False,
    vocabulary_size=None,
):
    """Call a user's ``model=`` callable and check the network it returns.

    The network must read the inputs skrnn feeds it and end in the output the
    targets need; anything else is refused here, before training, with a
    message that says what the network receives and why, instead of the shape
    error Keras would raise in the middle of ``fit``. A ``keras.Sequential``
    without an ``Input`` is built for the inputs it will receive.

    Parameters
    ----------
    builder : callable
        ``builder(input_shape=..., n_outputs=..., output_activation=...)``,
        returning an uncompiled ``keras.Model``.
    input_shape : tuple
        ``(n_steps, n_features)`` of one encoded sample, as fed to the network
        (``n_steps`` may be None); ``(n_steps,)`` for integer codes.
    n_outputs : int
        Units the network's output must have.
    output_activation : str or None
        Activation the output layer should have (passed on to ``builder``).
    return_sequences : bool, default=False
        Whether the output is per time step, ``(batch, n_steps, n_outputs)``.
    masked : bool, default=False
        Whether the inputs end in the "real step" channel of padded data.
    vocabulary_size : int or None, default=None
        For integer codes (strings and tokens), the number of codes: passed on
        to a ``builder`` that takes a ``vocabulary_size`` argument, to size
        its ``Embedding``.

    Returns
    -------
    model : keras.Model

    Raises
    ------
    TypeError
        If ``builder`` does not return a ``keras.Model``.
    ValueError
        If the network does not read ``input_shape`` or its output does not
        have the shape the targets need.
    """
    keras = get_keras()
    if isinstance(builder, keras.layers.Layer):
        raise TypeError(
            f"model must be a function that builds a new network, not a "
            f"{type(builder).__name__} built already: every fit (and every clone "
            "in a search) needs its own. Wrap its construction in a function, "
            "def build(input_shape, n_outputs, output_activation): ... return "
            "keras.Model(...), and pass model=build."
        )
    arguments = dict(
        input_shape=input_shape,
        n_outputs=n_outputs,
        output_activation=output_activation,
    )
    if vocabulary_size is not None and _takes(builder, "vocabulary_size"):
        arguments["vocabulary_size"] = vocabulary_size
    model = builder(**arguments)
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"The 'model' callable must return a keras.Model; got {type(model).__name__}."
        )
    inputs, outputs = _defined_tensors(model)
    if inputs is None and isinstance(model, keras.Sequential):
        model.build((None, *input_shape))  # layers without an Input: fit the feed
        inputs, outputs = _defined_tensors(model)
    if inputs is None:
        raise ValueError(
            "The 'model' callable returned a network without defined inputs (a "
            "subclassed keras.Model?): build it functionally, from "
            "keras.Input(shape=input_shape), or as a keras.Sequential."
        )
    _check_network_input(inputs, tuple(input_shape), masked)
    output_shape = tuple(outputs[0].shape)
    if output_shape[-1] != n_outputs or (
        len(output_shape) != (3 if return_sequences else 2)
    ):
        expected = "(batch, n_steps, %d)" if return_sequences else "(batch, %d)"
        raise ValueError(
            f"The 'model' callable returned a network whose output has shape "
            f"{output_shape}, but the targets need {expected % n_outputs}: "
            f"end it in a Dense({n_outputs}) layer (use the n_outputs argument)."
        )
    return model


def _takes(function, name):
    """Whether ``function`` takes a keyword argument ``name``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # no signature to read: call it as before
        return False
    return name in parameters or any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters.values()
    )


def _defined_tensors(model):
    """The model's input and output tensors, or (None, None) before it is built."""
    try:
        return list(model.inputs), list(model.outputs)
    except (AttributeError, ValueError):
        return None, None


def _check_network_input(inputs, fed, masked):
    """Refuse a network that does not read samples of shape ``fed``."""
    if len(inputs) != 1:
        raise ValueError(
            f"The 'model' callable returned a network with {len(inputs)} inputs; "
            f"skrnn feeds it one, of shape {fed} per sample: build it from "
            "keras.Input(shape=input_shape)."
        )
    reads = tuple(inputs[0].shape)[1:]  # without the batch axis
    if len(reads) == len(fed) and all(
        a is None or b is None or a == b for a, b in zip(reads, fed, strict=True)
    ):
        return
    what = "(steps, features)" if len(fed) == 2 else "(steps,)"
    message = (
        f"The 'model' callable returned a network that reads samples of shape "
        f"{reads}, but skrnn feeds it samples of shape {what} = {fed}"
    )
    if len(fed) == 2:
        steps = "any number of" if fed[0] is None else fed[0]
        message += f" ({steps} steps of {fed[1]} features)"
    message += ". Build its input from the input_shape argument it is given: "
    message += "keras.Input(shape=input_shape)."
    if len(fed) == len(reads) == 2 and reads[1] not in (None, fed[1]):
        message += " " + _explain_features(reads[1], fed[1], masked)
    raise ValueError(message)


def _explain_features(wanted, fed, masked):
    """Why the network is fed ``fed`` features, not the ``wanted`` of X's columns.

    The input encoder of the sequence estimators turns ``k`` features into
    ``(3k if instance scaling else k) + masked`` channels, then folds runs of
    ``f`` steps side by side (``max_steps``): ``fed`` is matched against those.
    """
    real_step = int(masked)
    for fold in range(1, fed + 1):
        if fed % fold:
            continue
        per_step = fed // fold
        instance = per_step == 3 * wanted + real_step
        if not instance and per_step != wanted + real_step:
            continue
        parts, remedies = [], []
        if instance:
            parts.append(
                f"with scale_inputs='instance' each of the {wanted} features of X "
                "comes with its per-series mean and log standard deviation as two "
                f"more channels (3 x {wanted} = {3 * wanted})"
            )
            remedies.append(
                "scale_inputs='standard' (standardised) or scale_inputs=None (as "
                "they are)"
            )
        if real_step:
            parts.append(
                "a last channel marks the real steps of padded data (sequences of "
                "different lengths, or mask_value); it stays"
            )
        if fold > 1:
            parts.append(
                f"series longer than max_steps are folded, {fold} steps side by "
                f"side ({per_step} x {fold} = {fed} features per step)"
            )
            remedies.append("max_steps=None")
        why = f"It is fed {fed} features where X has {wanted}: " + "; ".join(parts)
        if remedies:
            why += (
                ". For a network that reads the features of X itself, pass "
                + " and ".join(remedies)
            )
        return why + "."
    return (
        "skrnn feeds a network its encoded inputs, not always the columns of X: "
        "with scale_inputs='instance' each feature comes with its per-series "
        "mean and log standard deviation (3 channels per feature), padded data "
        "gets a channel marking the real steps, series longer than max_steps are "
        "folded (several steps side by side), and SequenceForecaster feeds "
        "windows of its transformed series (one season per step with "
        "normalize='level')."
    )


def make_optimizer(name, learning_rate):
    """Instantiate a Keras optimizer from its scikit-learn style name."""
    keras = get_keras()
    # Named, like the network, so its variables keep one name from fit to fit.
    return getattr(keras.optimizers, _OPTIMIZERS[name])(
        learning_rate=learning_rate, name=name
    )
