"""What every estimator that owns a trained Keras network (``model_``) shares.

Pickling stores the network in the ``.keras`` format, in memory, beside the
estimator's other attributes; the traced predictor is never stored and is
rebuilt on first use after a fit or a load.
"""

import copy
import warnings

from . import _per_backend
from ._file_format import added_parameters, fill_added_parameters
from ._recipes import LOSSES, changed_params


def _is_fitted_attribute(name):
    return name.endswith("_") and not name.startswith("__")


class KerasModelMixin:
    """Pickling and the compiled predictor of an estimator with a ``model_``."""

    # Attributes rebuilt when needed, never pickled or saved to a file.
    _transient_attributes = ("_predictor", "_predictors")

    def _scratch(self, reset):
        """A shallow copy that ``fit`` records on; ``self`` changes only in ``_commit``.

        On reset it holds no fitted attribute, so nothing of an earlier fit (a
        vocabulary, classes, feature names) survives into the new one.
        """
        scratch = object.__new__(type(self))
        scratch.__dict__.update(
            (name, value)
            for name, value in self.__dict__.items()
            if not (reset and _is_fitted_attribute(name))
        )
        return scratch

    def _commit(self, scratch, model, result, *, reset):
        """Make the scratch copy, with the trained network, this estimator, at once.

        ``result`` is the engine's :class:`~skrnn._engine.TrainingResult`: its
        epochs extend ``history_`` and ``n_iter_`` (or start them, on reset).
        """
        history = {} if reset else {k: list(v) for k, v in scratch.history_.items()}
        for name, values in result.history.items():
            history.setdefault(name, []).extend(values)
        scratch.model_ = model
        scratch.history_ = history
        scratch.n_iter_ = (0 if reset else scratch.n_iter_) + result.n_epochs
        scratch._predictor = _per_backend.make_predictor(model)
        self._replace_fitted_state(scratch.__dict__)
        if result.interrupted:
            warnings.warn(
                f"Training was interrupted; {type(self).__name__} keeps the network as "
                f"of the last completed epoch ({self.n_iter_} epochs in all).",
                UserWarning,
                stacklevel=4,
            )

    def _replace_fitted_state(self, state):
        """Replace every fitted attribute (and the transient ones) by ``state``, at once.

        Parameters and scikit-learn's own private settings stay; fitted
        attributes (ending in ``_``) and the names in ``state`` of an earlier
        fit are dropped first, so nothing of it survives into this one.
        """
        stale = [
            name
            for name in self.__dict__
            if _is_fitted_attribute(name)
            or name in self._transient_attributes
            or name in self._fitted_private_attributes
        ]
        for name in stale:
            del self.__dict__[name]
        self.__dict__.update(state)

    # Private attributes a fit sets (besides those ending in "_").
    _fitted_private_attributes = ()

    # --------------------------------------------- parameters changed after fit
    def _params_of(self, names):
        """The current values of those of ``names`` the estimator has: what a
        fresh fit records as ``_fitted_params``."""
        params = self.get_params(deep=False)
        # Copies: a list named as a parameter and changed in place afterwards
        # is a changed parameter too.
        return {name: copy.deepcopy(params[name]) for name in names if name in params}

    def _resolved_params(self):
        """What the fit resolved "auto" parameters to, by name."""
        return self.__dict__.get("training_params_") or {}

    def _loss_meaning(self, loss):
        """The loss that the ``loss`` parameter's value trains with."""
        return LOSSES.get(loss, loss)

    def _refuse_changed(self, names, action):
        """An error naming each of ``names`` changed since the fresh fit (and
        not named as the value "auto" resolved to): a warm start continues
        the fitted network ("warm"), predictions come from it ("predict").
        Files saved before the values were recorded hold none: not checked."""
        fitted = self.__dict__.get("_fitted_params")
        if fitted is None:
            return
        # On every predict: the attributes themselves (get_params inspects the
        # signature, 70 us), and what "auto" resolved to only if one differs.
        current = {name: getattr(self, name) for name in names if name in fitted}
        # The same loss spelled otherwise ("auto", "mse", "squared_error").
        if "loss" in current:
            same = self._loss_meaning(current["loss"]) == self._loss_meaning(
                fitted["loss"]
            )
            current["loss"] = fitted["loss"] if same else current["loss"]
        if not changed_params(fitted, current, names):
            return
        changed = changed_params(fitted, current, names, self._resolved_params())
        if not changed:
            return
        names = ", ".join(item.split("=")[0] for item in changed)
        them = "it" if len(changed) == 1 else "them"
        if action == "warm":
            raise ValueError(
                f"Continuing the fitted network's training (warm_start=True, "
                f"partial_fit), but {names} changed since it was fitted "
                f"({'; '.join(changed)}). Set {them} back, or fit a new network "
                f"with {them}: warm_start=False for fit, a fresh estimator "
                "(sklearn.base.clone) for partial_fit."
            )
        raise ValueError(
            f"{names} changed since fit ({'; '.join(changed)}): predictions come "
            f"from the fitted network, which does not follow {them}. Fit again to "
            f"apply {them}, or set {them} back."
        )

    def _compiled_predictor(self):
        """The traced forward pass of ``model_``, built on first use after a fit or load."""
        predictor = self.__dict__.get("_predictor")
        if predictor is None or predictor.model is not self.model_:
            predictor = _per_backend.make_predictor(self.model_)
            self._predictor = predictor
        return predictor

    def _compiled_predictors(self):
        """One traced forward pass per network of ``models_`` (or of ``model_``)."""
        models = self.__dict__.get("models_") or [self.model_]
        predictors = self.__dict__.get("_predictors")
        if (
            predictors is None
            or len(predictors) != len(models)
            or any(
                predictor.model is not model
                for predictor, model in zip(predictors, models, strict=True)
            )
        ):
            first = self._compiled_predictor()
            predictors = [
                first if model is self.model_ else _per_backend.make_predictor(model)
                for model in models
            ]
            self._predictors = predictors
        return predictors

    def __getstate__(self):
        from ._persistence import model_to_bytes, stream_states

        state = dict(super().__getstate__())
        for name in self._transient_attributes:
            state.pop(name, None)
        model = state.pop("model_", None)
        models = state.pop("models_", None)
        if models is not None:  # an ensemble: ``model_`` is its first network
            state["_models_bytes"] = [model_to_bytes(m) for m in models]
        elif model is not None:
            state["_model_bytes"] = model_to_bytes(model)
        if models is not None or model is not None:
            # The random streams' positions (the .keras bytes hold weights):
            # continued training draws the masks the original would.
            state["_stream_states"] = [
                stream_states(m) for m in (models if models is not None else [model])
            ]
        return state

    def __setstate__(self, state):
        from ._persistence import model_from_bytes, set_stream_states

        state = dict(state)
        # A pickle from a skrnn before some parameter existed: the value that
        # reproduces what the estimator did then.
        fill_added_parameters(state, added_parameters(self._get_param_names()))
        model_bytes = state.pop("_model_bytes", None)
        models_bytes = state.pop("_models_bytes", None)
        streams = state.pop("_stream_states", None)  # None: an older pickle
        if models_bytes is not None:
            state["models_"] = [
                model_from_bytes(data, safe_mode=False) for data in models_bytes
            ]
            if streams is not None:
                for model, states in zip(state["models_"], streams, strict=True):
                    set_stream_states(model, states)
            state["model_"] = state["models_"][0]
            state["_predictor"] = _per_backend.make_predictor(state["model_"])
            state["_predictors"] = [state["_predictor"]] + [
                _per_backend.make_predictor(model) for model in state["models_"][1:]
            ]
        elif model_bytes is not None:
            # A pickle is trusted code already; allow custom layers of a `model`.
            state["model_"] = model_from_bytes(model_bytes, safe_mode=False)
            if streams is not None:
                (states,) = streams  # one network, one list of streams
                set_stream_states(state["model_"], states)
            state["_predictor"] = _per_backend.make_predictor(state["model_"])
        super().__setstate__(state)
