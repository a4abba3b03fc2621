"""skrnn's own networks (sizes, names), and networks from a ``model=`` callable:
what they are fed, and clear errors (#20)."""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._network import build_custom_network, build_network


# ------------------------------------------------------------- build_network
def _network(**changes):
    options = dict(input_shape=(None, 1), n_outputs=1, output_activation=None, seed=0)
    return build_network(**{**options, **changes})


@pytest.mark.parametrize(
    "changes, n_weights",
    [
        # SimpleRNN(3) on 1 feature: 3 x 1 + 3 x 3 + 3; Dense(1): 3 + 1.
        (dict(cell="simple", units=(3,)), 15 + 4),
        # LSTM(4) on 2 features: 4 gates x (4 x (2 + 4) + 4); Dense(1): 4 + 1.
        (dict(cell="lstm", units=(4,), input_shape=(None, 2)), 112 + 5),
        # GRU(4) on 2 features, Keras' reset_after: 3 x 4 x (2 + 4) + 2 x 3 x 4.
        (dict(cell="gru", units=(4,), input_shape=(None, 2)), 96 + 5),
        # Two GRU(2) (each 3 x 2 x 3 + 2 x 3 x 2) read both ways; Dense(1) of 4.
        (dict(cell="gru", units=(2,), bidirectional=True), 2 * 30 + 5),
        # Stacked SimpleRNN(3) then SimpleRNN(2): 15, then 3 x 2 + 2 x 2 + 2.
        (dict(cell="simple", units=(3, 2)), 15 + 12 + 3),
        # Embedding of 6 codes in 3 dimensions: 18; SimpleRNN(2) on 3: 12.
        (
            dict(cell="simple", units=(2,), vocabulary_size=6, embedding_dim=3),
            18 + 12 + 3,
        ),
        # Conv1D(3, 4) on 2 features: 4 x 2 x 3 + 3; batch normalisation: 4 x 3
        # (2 x 3 of them moving statistics); SimpleRNN(2) on 3: 12.
        (
            dict(
                cell="simple",
                units=(2,),
                input_shape=(None, 2),
                conv_filters=(3,),
                conv_kernel_size=4,
            ),
            27 + 12 + 12 + 3,
        ),
        # Masking adds nothing; an ensemble of 2 is two networks.
        (dict(cell="simple", units=(3,), mask_value=0.0), 19),
        (dict(cell="simple", units=(3,), n_members=2), 2 * 19),
    ],
)
def test_named_networks_have_the_weights_they_name(changes, n_weights):
    assert _network(**changes).count_params() == n_weights


def test_an_ensemble_stacks_its_members_outputs():
    model = _network(cell="simple", units=(3,), n_outputs=2, n_members=3)
    assert tuple(model.outputs[0].shape) == (None, 3, 2)
    X = np.random.RandomState(0).rand(4, 5, 1).astype(np.float32)
    outputs = model.predict(X, verbose=0)
    # Each member starts from its own weights: different outputs.
    assert np.abs(outputs[:, 0] - outputs[:, 1]).max() > 1e-4


@pytest.mark.parametrize(
    "changes",
    [
        dict(cell="gru", units=(4, 2), bidirectional=True),
        dict(cell="lstm", units=(3,), conv_filters=(4, 4), conv_pool_size=2),
        dict(cell="simple", units=(2,), n_members=2, pooling="mean"),
        dict(cell="lstm", units=(2,), vocabulary_size=5, embedding_dim=2),
    ],
)
def test_two_builds_of_a_spec_have_the_same_names_and_weights(changes):
    import keras

    first, second = _network(**changes), _network(**changes)
    # Explicit names: the same however many layers Keras has built since.
    keras.layers.Dense(1)

    def names(model):
        return [layer.name for layer in model.layers], [v.path for v in model.weights]

    assert names(first) == names(_network(**changes))
    assert names(first) == names(second)
    # The same seed gives the same initial weights, without global seeds.
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other = _network(**{**changes, "seed": 1})
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(first.get_weights(), other.get_weights(), strict=True)
    )


# ------------------------------------------------------ build_custom_network
def _reading(n_features, n_outputs_override=None):
    """A builder that ignores ``input_shape`` and reads ``n_features`` features."""

    def build(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(shape=(None, n_features))
        hidden = keras.layers.GRU(2)(inputs)
        width = n_outputs if n_outputs_override is None else n_outputs_override
        return keras.Model(
            inputs, keras.layers.Dense(width, activation=output_activation)(hidden)
        )

    return build


def _build(builder, fed, masked=False, return_sequences=False):
    return build_custom_network(
        builder,
        input_shape=fed,
        n_outputs=1,
        output_activation=None,
        return_sequences=return_sequences,
        masked=masked,
    )


def _fed_message(reads, fed):
    return (
        rf"reads samples of shape \({reads}\), but skrnn feeds it samples of shape "
        rf"\(steps, features\) = \({fed}\) \(any number of steps of {fed[-1]} "
        r"features\)\. Build its input from the input_shape argument it is given: "
        r"keras\.Input\(shape=input_shape\)\."
    )


def test_a_network_that_reads_the_fed_shape_is_returned():
    import keras

    def build(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(inputs[:, -1]))

    model = _build(build, (None, 6))
    assert tuple(model.inputs[0].shape) == (None, None, 6)
    # A fixed number of steps is accepted where the steps vary.
    assert _build(_fixed_steps(5, 6), (None, 6)).inputs[0].shape[1] == 5


def _fixed_steps(n_steps, n_features):
    def build(input_shape, n_outputs, output_activation):
        import keras

        inputs = keras.Input(shape=(n_steps, n_features))
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(inputs[:, -1]))

    return build


def test_instance_scaling_channels_are_named():
    message = _fed_message("None, 2", "None, 6") + (
        r" It is fed 6 features where X has 2: with scale_inputs='instance' each "
        r"of the 2 features of X comes with its per-series mean and log standard "
        r"deviation as two more channels \(3 x 2 = 6\)\. For a network that reads "
        r"the features of X itself, pass scale_inputs='standard' \(standardised\) "
        r"or scale_inputs=None \(as they are\)\.$"
    )
    with pytest.raises(ValueError, match="^The 'model' callable returned a network "):
        _build(_reading(2), (None, 6))
    with pytest.raises(ValueError, match=message):
        _build(_reading(2), (None, 6))


def test_the_real_step_channel_of_padded_data_is_named():
    both = (
        r"(?s)fed 7 features where X has 2: .*\(3 x 2 = 6\); a last channel marks "
        r"the real steps of padded data .*mask_value\); it stays\. For a network "
        r".*scale_inputs=None"
    )
    with pytest.raises(ValueError, match=both):
        _build(_reading(2), (None, 7), masked=True)
    alone = r"fed 3 features where X has 2: a last channel marks the real steps .*; "
    with pytest.raises(ValueError, match=alone + r"it stays\.$"):
        _build(_reading(2), (None, 3), masked=True)


@pytest.mark.parametrize(
    "wanted, fed, named",
    [
        (
            1,
            2,
            r"fed 2 features where X has 1: series longer than max_steps are "
            r"folded, 2 steps side by side \(1 x 2 = 2 features per step\)\. For "
            r"a network that reads the features of X itself, pass max_steps=None\.$",
        ),
        (
            1,
            6,
            r"fed 6 features where X has 1: with scale_inputs='instance' .*"
            r"\(3 x 1 = 3\); series longer than max_steps are folded, 2 steps "
            r"side by side \(3 x 2 = 6 features per step\)\. .*or "
            r"scale_inputs=None \(as they are\) and max_steps=None\.$",
        ),
    ],
)
def test_folded_steps_are_named(wanted, fed, named):
    with pytest.raises(ValueError, match=named):
        _build(_reading(wanted), (None, fed))


def test_features_no_encoding_explains_get_the_general_reasons():
    general = (
        r" skrnn feeds a network its encoded inputs, not always the columns of X: "
        r"with scale_inputs='instance' .*3 channels per feature.*SequenceForecaster"
    )
    with pytest.raises(ValueError, match=_fed_message("None, 5", "None, 6") + general):
        _build(_reading(5), (None, 6))


def test_a_network_of_another_rank_or_with_two_inputs_is_refused():
    import keras

    def flat(input_shape, n_outputs, output_activation):
        inputs = keras.Input(shape=(12,))
        return keras.Model(inputs, keras.layers.Dense(n_outputs)(inputs))

    flat_message = (
        r"reads samples of shape \(12,\), but skrnn feeds it samples of shape "
        r"\(steps, features\) = \(None, 2\)"
    )
    with pytest.raises(ValueError, match=flat_message):
        _build(flat, (None, 2))
    codes_message = (
        r"reads samples of shape \(None, 2\), but skrnn feeds it samples of shape "
        r"\(steps,\) = \(None,\)\. Build its input from the input_shape argument"
    )
    with pytest.raises(ValueError, match=codes_message):
        _build(_reading(2), (None,))

    def two_inputs(input_shape, n_outputs, output_activation):
        a, b = keras.Input(shape=input_shape), keras.Input(shape=input_shape)
        pooled = keras.layers.Concatenate()([a[:, -1], b[:, -1]])
        return keras.Model([a, b], keras.layers.Dense(n_outputs)(pooled))

    two_message = r"network with 2 inputs; skrnn feeds it one, of shape \(None, 3\)"
    with pytest.raises(ValueError, match=two_message):
        _build(two_inputs, (None, 3))


def test_a_sequential_without_input_is_built_for_the_fed_shape():
    import keras

    def build(input_shape, n_outputs, output_activation):
        return keras.Sequential([keras.layers.GRU(2), keras.layers.Dense(n_outputs)])

    model = _build(build, (None, 6))
    assert tuple(model.inputs[0].shape) == (None, None, 6)
    assert tuple(model.outputs[0].shape) == (None, 1)


def test_a_network_without_defined_inputs_is_refused():
    import keras

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x[:, -1])

    message = (
        r"network without defined inputs \(a subclassed keras\.Model\?\): build "
        r"it functionally, from keras\.Input\(shape=input_shape\)"
    )
    with pytest.raises(ValueError, match=message):
        _build(lambda **kwargs: Subclassed(), (None, 2))


def test_the_output_and_the_type_are_still_checked():
    with pytest.raises(TypeError, match="must return a keras.Model; got str"):
        _build(lambda **kwargs: "nope", (None, 2))
    width = r"output has shape \(None, 4\), but the targets need \(batch, 1\): end"
    with pytest.raises(ValueError, match=width + r" it in a Dense\(1\)"):
        _build(_reading(2, n_outputs_override=4), (None, 2))
    with pytest.raises(ValueError, match=r"need \(batch, n_steps, 1\)"):
        _build(_reading(2), (None, 2), return_sequences=True)


# --------------------------------------------------------------- estimators
# Every parameter that shapes what the network is fed is set explicitly.
PLAIN = dict(n_networks=1, conv_filters=(), max_steps=None, epochs=1, batch_size=8)


def _recording(seen):
    def build(input_shape, n_outputs, output_activation):
        import keras

        seen.append(tuple(input_shape))
        inputs = keras.Input(shape=input_shape)
        hidden = keras.layers.GRU(2)(inputs)
        return keras.Model(
            inputs, keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
        )

    return build


@pytest.mark.parametrize(
    "scale_inputs, fed",
    [("instance", (None, 6)), ("standard", (None, 2)), (None, (None, 2))],
)
def test_what_the_network_of_an_estimator_is_fed(scale_inputs, fed):
    X = np.random.RandomState(0).rand(16, 5, 2)
    seen = []
    reg = RNNRegressor(
        model=_recording(seen), scale_inputs=scale_inputs, random_state=0, **PLAIN
    )
    assert reg.get_params()["scale_inputs"] == scale_inputs
    reg.fit(X, X[:, -1, 0])
    assert seen == [fed]
    assert reg.predict(X).shape == (16,)


def test_an_estimator_refuses_a_network_for_the_columns_of_X():
    X = np.random.RandomState(0).rand(16, 5, 2)
    reg = RNNRegressor(model=_reading(2), scale_inputs="instance", **PLAIN)
    message = _fed_message("None, 2", "None, 6") + (
        r" It is fed 6 features where X has 2: with scale_inputs='instance' .*"
        r"scale_inputs='standard'"
    )
    with pytest.raises(ValueError, match=message):
        reg.fit(X, X[:, -1, 0])
    assert not hasattr(reg, "model_")
    # The same network reads X's own features once they are fed as they are.
    reg.set_params(scale_inputs="standard").fit(X, X[:, -1, 0])
    assert reg.predict(X).shape == (16,)


def test_a_classifier_names_the_real_step_channel_of_ragged_data():
    rng = np.random.RandomState(0)
    X = [rng.rand(n, 2) for n in (3, 5, 4, 6) * 3]
    y = np.array(["a", "b"] * 6)
    clf = RNNClassifier(model=_reading(2), scale_inputs="standard", **PLAIN)
    message = r"It is fed 3 features where X has 2: a last channel marks the real"
    with pytest.raises(ValueError, match=message + " steps of padded data"):
        clf.fit(X, y)


def test_a_builder_of_a_string_network_is_told_the_vocabulary_size():
    import keras

    seen = {}

    def build(input_shape, n_outputs, output_activation, vocabulary_size):
        seen.update(input_shape=input_shape, vocabulary_size=vocabulary_size)
        inputs = keras.Input(shape=input_shape, dtype="int32")
        hidden = keras.layers.Embedding(vocabulary_size, 4)(inputs)
        hidden = keras.layers.GRU(3)(hidden)
        outputs = keras.layers.Dense(n_outputs, activation=output_activation)(hidden)
        return keras.Model(inputs, outputs)

    X = ["ABCDEFGHIJKLMNOP", "GT", "AAT", "TT"] * 3
    clf = RNNClassifier(model=build, epochs=1, random_state=0).fit(X, [0, 1, 0, 1] * 3)
    assert seen["input_shape"] == (None,)
    assert seen["vocabulary_size"] == len(clf.vocabulary_) + 2  # padding, unknown
    assert clf.predict(["GATTACA"]).shape == (1,)


def test_a_built_network_as_model_is_refused_with_what_to_pass():
    import keras

    network = keras.Sequential(
        [keras.Input((None, 1)), keras.layers.SimpleRNN(3), keras.layers.Dense(1)]
    )
    X = np.random.RandomState(0).rand(10, 4, 1)
    with pytest.raises(TypeError, match="not a Sequential built already"):
        RNNRegressor(model=network, epochs=1).fit(X, X[:, -1, 0])
