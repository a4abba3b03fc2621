"""Search for skrnn's default sequence recipe on the UCR training files only (issue 13).

Every score here is on a hold-out of the ``_TRAIN`` file (stratified 30% for
classification, 30% at random for regression, ``--split-seed``); the ``_TEST``
files are never read. Each run appends one JSON line per set to
``--log`` and prints a row: config name, set, validation accuracy or RMSE,
epochs run and fit seconds.

Run from the repository root, one thread (as the figures in
``ucr_research.md`` were measured)::

    SKRNN_NUM_THREADS=1 OMP_NUM_THREADS=1 python research/ucr_research.py \
        --config base --sets OSULeaf ACSF1

A config is a dict in ``CONFIGS``; ``--set key=value`` overrides its entries.
The network is built by :func:`make_model`, a callable of the shape skrnn's
``model=`` parameter takes, so a chosen recipe carries over to the estimators.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

# The benchmarks' shared helpers (this script is run directly, as they are).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _timing import quiet_backend  # noqa: E402

from skrnn.datasets import load_ts  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ucr"
CLASSIFICATION = ("OSULeaf", "PLAID", "ACSF1")
REGRESSION = ("Covid3Month", "Tecator")

BASE = {
    # input handling
    "scale": True,  # per-channel standardisation fitted on the training part;
    # "asinh": asinh((x - median) / MAD) first, then standardised (heavy tails);
    # "instance": each series z-normalised, its mean and log-std added as channels
    "target_len": None,  # average-pool each series by ceil(n_steps / target_len)
    "ragged": "pad",  # "pad" (zeros after scaling, masked) or "resample" to median
    "reduce": "mean",  # how target_len shortens: "mean" pool or "fold" (k steps -> k*channels)
    # network
    "front": "none",  # "none" or "conv": Conv1D(filters, kernel) + BN + ReLU blocks
    "conv_layers": 2,
    "filters": 64,
    "kernel": 7,
    "conv_stride": 1,
    "cell": "lstm",
    "units": 64,
    "bidirectional": False,
    "head": "last",  # "last" state or "gap": mean over the sequence outputs
    "dropout": 0.0,
    # training
    "epochs": 100,
    "batch": 32,  # int, or a float: fraction of n_samples, clipped to [8, 128]
    "lr": 1e-3,
    "plateau": 0,  # ReduceLROnPlateau patience on the monitored loss (0: off)
    "es": 0,  # early-stopping patience (0: off)
    "es_monitor": "val",  # "val": a stratified hold-out of the training part
    "val_frac": 0.15,
    "seeds": 1,  # ensemble: average the probabilities of this many networks
}

# The recipe chosen on the validation splits (ucr_research.md).
RECIPE = {
    **BASE,
    "scale": "instance",
    "ragged": "resample",
    "target_len": 128,
    "reduce": "fold",
    "front": "conv",
    "filters": 128,
    "kernel": 8,
    "cell": "gru",
    "bidirectional": True,
    "head": "gap",
    "plateau": 10,
    "batch": 0.1,
    "epochs": 100,
}

CONFIGS = {
    "recipe": RECIPE,
    # skrnn's present defaults: LSTM(32), adam 1e-3, 100 epochs, batch 32.
    "skrnn_defaults": {"scale": False, "units": 32},
    "base": {},
}


def make_model(*, input_shape, n_outputs, output_activation, cfg, seed=0, masked=False):
    """Build the uncompiled network of one config (the shape of skrnn's ``model=``)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=input_shape)
    x = inputs
    if masked and cfg["front"] == "none":
        x = layers.Masking(mask_value=0.0)(x)
    if cfg["front"] == "conv":
        for i in range(cfg["conv_layers"]):
            x = layers.Conv1D(
                cfg["filters"],
                cfg["kernel"],
                strides=cfg["conv_stride"] if i == 0 else 1,
                padding="same",
            )(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
    rnn = {"lstm": layers.LSTM, "gru": layers.GRU}[cfg["cell"]]
    recurrent = rnn(cfg["units"], return_sequences=cfg["head"] == "gap")
    if cfg["bidirectional"]:
        recurrent = layers.Bidirectional(recurrent)
    x = recurrent(x)
    if cfg["head"] == "gap":
        x = layers.GlobalAveragePooling1D()(x)
    if cfg["dropout"]:
        x = layers.Dropout(cfg["dropout"])(x)
    outputs = layers.Dense(n_outputs, activation=output_activation)(x)
    return keras.Model(inputs, outputs)


def pool_series(x, factor, reduce="mean"):
    """Shorten one ``(n_steps, n_channels)`` series ``factor`` times (the tail padded).

    ``"mean"`` averages each run of ``factor`` steps; ``"fold"`` stacks them as
    channels, ``(n_steps / factor, factor * n_channels)``, which loses nothing.
    """
    if factor <= 1:
        return x
    n = -(-len(x) // factor) * factor
    x = np.concatenate([x, np.repeat(x[-1:], n - len(x), axis=0)])
    frames = x.reshape(n // factor, factor, x.shape[1])
    if reduce == "fold":
        return frames.reshape(n // factor, factor * x.shape[1])
    return frames.mean(axis=1)


def resample(x, n_steps):
    """Linear interpolation of one series onto ``n_steps`` evenly spaced points."""
    old = np.linspace(0, 1, len(x))
    new = np.linspace(0, 1, n_steps)
    return np.stack([np.interp(new, old, x[:, c]) for c in range(x.shape[1])], -1)


class Preprocess:
    """Scaling, pooling and padding fitted on the training part only."""

    def __init__(self, cfg):
        self.cfg = cfg

    def fit(self, X):
        series = list(X)
        lengths = np.array([len(x) for x in series])
        self.ragged = lengths.min() != lengths.max()
        stacked = np.concatenate(series)
        if self.cfg["scale"] == "asinh":
            self.median = np.nanmedian(stacked, axis=0)
            mad = np.nanmedian(np.abs(stacked - self.median), axis=0)
            self.mad = np.where(mad > 0, mad, 1.0)
        if self.cfg["scale"] in ("asinh", "instance"):
            stacked = np.concatenate([self._compress(x) for x in series])
        self.mean = np.nanmean(stacked, axis=0) if self.cfg["scale"] else 0.0
        std = np.nanstd(stacked, axis=0) if self.cfg["scale"] else 1.0
        if self.cfg["scale"] == "instance":
            # A level that barely varies between series (sets z-normalised at the
            # source) would be blown up into noise: floor its scale.
            raw_std = np.nanstd(np.concatenate(series), axis=0)
            n = len(raw_std)
            std[n : 2 * n] = np.maximum(std[n : 2 * n], 0.01 * raw_std)
            std[2 * n :] = np.maximum(std[2 * n :], 0.01)
        self.std = np.where(std > 0, std, 1.0)
        self.resample_to = None
        if self.ragged and self.cfg["ragged"] == "resample":
            self.resample_to = int(np.median(lengths))
            lengths = np.full_like(lengths, self.resample_to)
        target = self.cfg["target_len"]
        self.factor = 1 if not target else max(1, -(-int(np.median(lengths)) // target))
        self.n_steps = -(-lengths.max() // self.factor)
        return self

    def _compress(self, x):
        x = np.nan_to_num(x).astype(np.float64)
        if self.cfg["scale"] == "asinh":
            return np.arcsinh((x - self.median) / self.mad)
        if self.cfg["scale"] == "instance":
            mean, std = x.mean(axis=0), x.std(axis=0)
            level = np.broadcast_to(
                np.concatenate([mean, np.log(std + 1e-6)]), (len(x), 2 * x.shape[1])
            )
            return np.concatenate(
                [(x - mean) / np.where(std > 0, std, 1.0), level], axis=1
            )
        return x

    def transform(self, X):
        out = []
        for x in X:
            x = (self._compress(x) - self.mean) / self.std
            if self.resample_to:
                x = resample(x, self.resample_to)
            out.append(pool_series(x, self.factor, self.cfg["reduce"]))
        padded = np.zeros((len(out), self.n_steps, out[0].shape[1]), np.float32)
        for i, x in enumerate(out):
            x = x[: self.n_steps]
            padded[i, : len(x)] = x
        return padded


def batch_size(cfg, n_samples):
    if isinstance(cfg["batch"], float):
        return int(np.clip(round(cfg["batch"] * n_samples), 8, 128))
    return cfg["batch"]


def fit_predict(cfg, X_train, y_train, X_val, classification, seed=0):
    """Fit ``cfg`` on the training part; return predictions on X_val and stats."""
    import keras
    from sklearn.model_selection import train_test_split

    start = time.perf_counter()
    prep = Preprocess(cfg).fit(X_train)
    A_train, A_val = prep.transform(X_train), prep.transform(X_val)
    if classification:
        classes, t_train = np.unique(y_train, return_inverse=True)
        n_outputs, activation, loss = (
            len(classes),
            "softmax",
            "sparse_categorical_crossentropy",
        )
    else:
        y_mean, y_std = y_train.mean(), y_train.std()
        t_train = (y_train - y_mean) / y_std
        n_outputs, activation, loss = 1, None, "mse"
    fit_kwargs = {}
    monitor = "loss"
    if cfg["es"] and cfg["es_monitor"] == "val":
        A_train, A_es, t_train, t_es = train_test_split(
            A_train,
            t_train,
            test_size=cfg["val_frac"],
            random_state=seed,
            stratify=t_train if classification else None,
        )
        fit_kwargs["validation_data"] = (A_es, t_es)
        monitor = "val_loss"
    callbacks = []
    if cfg["plateau"]:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor="loss", factor=0.5, patience=cfg["plateau"], min_lr=1e-5
            )
        )
    if cfg["es"]:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=cfg["es"], restore_best_weights=True
            )
        )
    predictions = []
    epochs_run = []
    for member in range(cfg["seeds"]):
        model = make_model(
            input_shape=A_train.shape[1:],
            n_outputs=n_outputs,
            output_activation=activation,
            cfg=cfg,
            seed=seed + member,
            masked=prep.ragged and prep.resample_to is None,
        )
        model.compile(optimizer=keras.optimizers.Adam(cfg["lr"]), loss=loss)
        history = model.fit(
            A_train,
            t_train,
            epochs=cfg["epochs"],
            batch_size=batch_size(cfg, len(A_train)),
            callbacks=callbacks,
            verbose=0,
            **fit_kwargs,
        )
        epochs_run.append(len(history.history["loss"]))
        predictions.append(model.predict(A_val, batch_size=256, verbose=0))
    fit_seconds = time.perf_counter() - start
    mean = np.mean(predictions, axis=0)
    if classification:
        return classes[mean.argmax(axis=1)], epochs_run, fit_seconds, prep.n_steps
    return mean[:, 0] * y_std + y_mean, epochs_run, fit_seconds, prep.n_steps


def validation_split(name, split_seed):
    from sklearn.model_selection import train_test_split

    X, y = load_ts(DATA / f"{name}_TRAIN.ts")
    classification = y.dtype.kind in "US"
    index = np.arange(len(y))
    train, val = train_test_split(
        index,
        test_size=0.3,
        random_state=split_seed,
        stratify=y if classification else None,
    )
    pick = (
        (lambda idx: [X[i] for i in idx])
        if isinstance(X, list)
        else (lambda idx: X[idx])
    )
    return pick(train), y[train], pick(val), y[val], classification


def parse_value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="base", choices=sorted(CONFIGS))
    parser.add_argument("--name", help="row name (default: the config and overrides)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--sets", nargs="*", default=list(CLASSIFICATION))
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--log", default="/tmp/ucr_research.jsonl")
    args = parser.parse_args(argv)

    quiet_backend()
    import tensorflow as tf

    threads = int(os.environ.get("SKRNN_NUM_THREADS", "1"))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)

    cfg = {**BASE, **CONFIGS[args.config]}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in BASE:
            parser.error(f"unknown key {key!r}")
        cfg[key] = parse_value(value)
    name = args.name or " ".join([args.config, *args.set])
    scores = []
    for set_name in args.sets:
        X_tr, y_tr, X_va, y_va, classification = validation_split(
            set_name, args.split_seed
        )
        pred, epochs_run, seconds, n_steps = fit_predict(
            cfg, X_tr, y_tr, X_va, classification
        )
        if classification:
            score = float(np.mean(pred == y_va))
            scores.append(score)
        else:
            score = float(np.sqrt(np.mean((pred - y_va) ** 2)))
        row = {
            "name": name,
            "set": set_name,
            "metric": "acc" if classification else "rmse",
            "score": round(score, 4),
            "epochs": epochs_run,
            "steps": int(n_steps),
            "fit_s": round(seconds, 1),
            "split_seed": args.split_seed,
            "cfg": cfg,
        }
        print(
            f"{name:50s} {set_name:12s} {row['metric']} {score:.4f} "
            f"epochs {epochs_run} steps {n_steps} fit {seconds:.1f}s",
            flush=True,
        )
        with open(args.log, "a") as log:
            log.write(json.dumps(row) + "\n")
    if scores:
        print(f"{name:50s} mean acc over {len(scores)} sets: {np.mean(scores):.4f}")


if __name__ == "__main__":
    main()
