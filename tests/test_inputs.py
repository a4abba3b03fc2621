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
    words = ["AB", "BA", "AAB", "BBA"]
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
    X = [["GATA", "CC"], ["CC", "TT"], ["GATA"], ["TT", "CC"]]
    clf = RNNClassifier(**FAST).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="fitted on token lists; got strings"):
        clf.predict(["GATA", "CC"])
    with pytest.warns(UserWarning, match="None of the symbols in X was seen in fit"):
        clf.predict([["XX"], ["YY", "ZZ"]])
