"""One definition of the shared parameters: every estimator agrees with the table."""

import inspect

import pytest

from skrnn import RNNClassifier, RNNRegressor, SequenceForecaster
from skrnn._params import (
    AUTO,
    DEFAULT_OVERRIDES,
    SEQUENCE_PARAMS,
    SHARED_PARAMS,
    default,
)

SEQUENCE_ESTIMATORS = [RNNRegressor, RNNClassifier]


def _defaults(estimator_class):
    signature = inspect.signature(estimator_class.__init__)
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name != "self"
    }


@pytest.mark.parametrize(
    "estimator_class, tables",
    [
        (RNNRegressor, (SHARED_PARAMS, SEQUENCE_PARAMS)),
        (RNNClassifier, (SHARED_PARAMS, SEQUENCE_PARAMS)),
        (SequenceForecaster, (SHARED_PARAMS,)),
    ],
)
def test_every_shared_parameter_is_there_with_the_table_default(
    estimator_class, tables
):
    defaults = _defaults(estimator_class)
    for table in tables:
        for name, (_, constraint) in table.items():
            assert name in defaults, f"{estimator_class.__name__} lacks {name}"
            expected = default(estimator_class.__name__, name, table)
            assert defaults[name] == expected, name
            overridden = DEFAULT_OVERRIDES[estimator_class.__name__].get(name)
            if overridden == "auto" and AUTO not in constraint:
                constraint = [*constraint, AUTO]  # "auto" resolved at fit
            assert estimator_class._parameter_constraints[name] == constraint, name
            doc = estimator_class.__doc__
            assert name in doc, f"{estimator_class.__name__} does not document {name}"


def test_the_forecaster_documents_which_sequence_parameters_do_not_apply():
    doc = SequenceForecaster.__doc__
    for name in SEQUENCE_PARAMS:
        assert name not in _defaults(SequenceForecaster)
        assert name in doc, name


def test_every_constructor_parameter_is_validated():
    for estimator_class in (*SEQUENCE_ESTIMATORS, SequenceForecaster):
        missing = set(_defaults(estimator_class)) - set(
            estimator_class._parameter_constraints
        )
        assert not missing, (estimator_class.__name__, missing)


def test_overrides_name_only_table_parameters():
    known = {**SHARED_PARAMS, **SEQUENCE_PARAMS}
    for estimator_name, overrides in DEFAULT_OVERRIDES.items():
        unknown = set(overrides) - set(known)
        assert not unknown, (estimator_name, unknown)
