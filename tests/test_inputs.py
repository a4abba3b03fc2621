"""Input forms: ragged lists, strings, tokens, and their errors."""

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn._inputs import OOV_CODE, Sequences, validate_sequences

FAST = dict(epochs=2, units=4, n_networks=1, random_state=0)


class _Holder:
    """Stands in for an estimator: validate_sequences records attributes on it."""


def test_ragged_lists_are_kept_per_sample_and_padded_per_batch():
    holder = _Holder()
    X = [np.ones((3, 2)), np.ones((5, 2)), np.ones((1, 2))]
    seqs = validate_sequences(holder, X, reset=True)
    assert not seqs.is_dense and list(seqs.lengths) == [3, 5, 1]
    assert holder.n_features_in_ == 2 and holder._input_kind == "ragged"
    batch = seqs.batch([0, 2])
    assert batch.shape == (2, 3, 2)  # padded to the batch's own longest sample
    assert (batch[1, 1:] == seqs.pad_value).all()


def test_one_d_sequences_are_one_feature_per_step():
    holder = _Holder()
    seqs = validate_sequences(holder, [[1.0, 2.0], [3.0, 4.0, 5.0]], reset=True)
    assert seqs.sample_shape == (1,) and holder.n_features_in_ == 1


def test_strings_learn_a_vocabulary_and_map_unknown_symbols():
    holder = _Holder()
    seqs = validate_sequences(holder, ["ACGT", "GGA"], reset=True)
    assert list(holder.vocabulary_) == ["A", "C", "G", "T"]
    assert [list(item) for item in seqs.items] == [[2, 3, 4, 5], [4, 4, 2]]
    unseen = validate_sequences(holder, ["ANG"], reset=False)
    assert list(unseen.dense[0]) == [2, OOV_CODE, 4]


def test_token_lists_are_symbols():
    holder = _Holder()
    seqs = validate_sequences(holder, [["the", "cat"], ["a", "cat", "sat"]], reset=True)
    assert list(holder.vocabulary_) == ["a", "cat", "sat", "the"]
    assert list(seqs.lengths) == [2, 3]


def test_equal_length_lists_become_one_dense_array():
    seqs = validate_sequences(_Holder(), ["ACG", "TTA"], reset=True)
    assert isinstance(seqs, Sequences) and seqs.is_dense and seqs.dense.shape == (2, 3)


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.ones((3, 2)), np.ones((0, 2))], r"X\[1\] is empty"),
        (["ACG", ""], r"X\[1\] is empty"),
        ([np.ones((3, 2)), np.ones((4, 3))], "different numbers of features"),
        (["ACG", [1.0, 2.0]], "mixes strings"),
        ([np.ones((3, 2)), np.full((4, 2), np.nan)], r"X\[1\].*NaN"),
        ("ACGT", "single string"),
        ([], "0 sample"),
    ],
)
def test_bad_sequences_are_clear_errors(X, message):
    with pytest.raises(ValueError, match=message):
        validate_sequences(_Holder(), X, reset=True)


def test_symbol_model_rejects_numbers_and_numeric_model_rejects_strings():
    words = ["ACG", "TGA", "AAC", "TTG"]
    clf = RNNClassifier(**FAST).fit(words, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="fitted on symbol sequences"):
        clf.predict(np.zeros((2, 3, 1)))
    reg = RNNRegressor(**FAST).fit(np.zeros((4, 3, 1)), np.arange(4.0))
    with pytest.raises(ValueError, match="fitted on numeric sequences"):
        reg.predict(["AB"])


def test_per_step_targets_must_match_lengths():
    X = [np.ones((3, 1)), np.ones((4, 1))]
    with pytest.raises(ValueError, match=r"y\[1\] have 3 steps, but X\[1\] has 4"):
        RNNRegressor(return_sequences=True, **FAST).fit(X, [np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match="one target per step"):
        RNNRegressor(return_sequences=True, **FAST).fit(X, [1.0, 2.0])


@pytest.mark.parametrize(
    "X, message",
    [
        (None, "X is None. RNN estimators take a collection of sequences"),
        ((row for row in np.ones((4, 3))), "has no length .a generator"),
        (np.arange(5.0), r"X is 1-D \(shape \(5,\)\).*make_windows"),
        ([1.0, 2, 3, 4], r"X is 1-D \(a list of 4 numbers\).*make_windows"),
        ([b"ACGT", b"AC"], r"X holds bytes.*decode"),
    ],
)
def test_inputs_that_are_not_sequences_say_what_is_accepted(X, message):
    with pytest.raises(ValueError, match=message):
        RNNRegressor(**FAST).fit(X, np.arange(4.0))


def test_symbols_are_predicted_in_the_form_they_were_fitted_on():
    X = [["GATA", "CC"], ["CC", "TT"], ["GATA", "AG"], ["TT", "CC"]]
    clf = RNNClassifier(**FAST).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="fitted on token lists; got strings"):
        clf.predict(["GATA", "CC"])
    with pytest.warns(UserWarning, match="None of the symbols in X was seen in fit"):
        clf.predict([["XX"], ["YY", "ZZ"]])


# ------------------------------------------------------------ from a bug hunt
def test_a_series_of_equal_length_arrays_reads_like_the_array():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 5, 2)).astype(np.float32)
    y = X[:, -1, 0]
    reg = RNNRegressor(cell="gru", **FAST).fit(pd.Series(list(X)), y)
    np.testing.assert_allclose(
        reg.predict(pd.Series(list(X[:3]))), reg.predict(X[:3]), rtol=1e-6
    )
    assert reg.n_features_in_ == 2 and reg.input_shape_ == (5, 2)


def test_two_d_arrays_and_frames_of_strings_are_token_sequences():
    pd = pytest.importorskip("pandas")
    rows = [list("ACGT"), list("GGAC"), list("TTAG"), list("CAGA")]
    y = [0.0, 1.0, 2.0, 3.0]
    listed = RNNRegressor(cell="gru", **FAST).fit(rows, y)
    array = RNNRegressor(cell="gru", **FAST).fit(np.array(rows), y)
    frame = RNNRegressor(cell="gru", **FAST).fit(pd.DataFrame(rows), y)
    for fitted in (array, frame):
        assert list(fitted.vocabulary_) == list(listed.vocabulary_)
        np.testing.assert_allclose(
            fitted.predict(np.array(rows)), listed.predict(rows), rtol=1e-6
        )
    with pytest.raises(ValueError, match="fitted on token lists; got strings"):
        array.predict(["ACGT"])


def test_mask_value_is_applied_to_lists_of_sequences():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(5 + i % 4, 2)) for i in range(30)]
    y = np.array([x[:, 0].sum() for x in X])
    for x in X[::2]:
        x[-1] = -99.0
    reg = RNNRegressor(cell="gru", mask_value=-99.0, **FAST).fit(X, y)
    real = np.concatenate([x[~np.all(x == -99.0, axis=1)] for x in X])
    # The scaling statistics are those of the real steps alone.
    np.testing.assert_allclose(reg.input_encoder_.mean_, real.mean(axis=0), rtol=1e-5)
    sequence = rng.normal(size=(6, 2))
    marked = np.vstack([sequence, [[-99.0, -99.0]]])
    np.testing.assert_allclose(
        reg.predict([marked]), reg.predict([sequence]), rtol=1e-5, atol=1e-6
    )


def test_column_names_of_a_list_of_frames_are_recorded_and_checked():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = [
        pd.DataFrame(rng.normal(size=(4 + i % 3, 2)), columns=["temp", "load"])
        for i in range(12)
    ]
    y = np.array([frame["temp"].sum() for frame in X])
    reg = RNNRegressor(cell="gru", **FAST).fit(X, y)
    assert list(reg.feature_names_in_) == ["temp", "load"]
    before = reg.predict(X[:2])
    with pytest.raises(ValueError, match=r"The columns of X\[0\], \['load', 'temp'\]"):
        reg.predict([frame[["load", "temp"]] for frame in X[:2]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        reg.predict([frame.to_numpy() for frame in X[:2]])
    np.testing.assert_array_equal(reg.predict(X[:2]), before)
    swapped = X[:5] + [X[5][["load", "temp"]]]
    with pytest.raises(ValueError, match=r"X\[5\] has the columns \['load', 'temp'\]"):
        RNNRegressor(cell="gru", **FAST).fit(swapped, y[:6])
    # Equal lengths stack into a 3-D array: the names are kept all the same.
    same = [frame.iloc[:4] for frame in X]
    stacked = RNNRegressor(cell="gru", **FAST).fit(same, y)
    assert list(stacked.feature_names_in_) == ["temp", "load"]
    with pytest.raises(ValueError, match="are not those RNNRegressor was fitted on"):
        stacked.predict([frame.rename(columns={"load": "power"}) for frame in same])
    plain = RNNRegressor(cell="gru", **FAST).fit([f.to_numpy() for f in same], y)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        plain.predict(same[:2])


def test_strings_continue_training_on_other_lengths():
    X, y = ["GATTA", "CCAG", "GATT", "CCAGTA"], ["a", "b", "a", "b"]
    clf = RNNClassifier(cell="gru", **FAST).fit(X, y)
    clf.partial_fit(["GATTAC", "CC"], ["a", "b"])
    assert clf.n_iter_ == 3
    equal = RNNClassifier(cell="gru", **FAST).fit(["GATTAC", "CCAGTA"], ["a", "b"])
    equal.partial_fit(X, y)  # a network of strings masks their padding
    assert equal.n_iter_ == 3


def test_missing_values_and_labels_get_advice_for_sequences():
    X = np.random.RandomState(0).rand(6, 4, 1)
    with pytest.raises(ValueError, match="position 1: every sample needs a label"):
        RNNClassifier(**FAST).fit(X, ["a", None, "b", "a", "b", "a"])
    X[0, -1] = np.nan
    for data in (X, X[:, :, 0], list(X)):
        with pytest.raises(ValueError, match=r"contains NaN\. .*mask_value"):
            RNNRegressor(**FAST).fit(data, np.arange(6.0))
