"""
Classifying sensor signals with RNNClassifier
=============================================

:class:`~skrnn.RNNClassifier` reads each sample as a sequence, a 3-D array of
shape ``(n_samples, n_steps, n_features)``, and predicts its class. Here the
samples are synthetic sensor recordings: sine, square and sawtooth waves of
random frequency, phase and amplitude, buried in noise, each seen by two
sensors. The example compares the network with the majority-class baseline,
shows the confusion matrix and the training history.
"""

# %%
# The data
# --------
# 60 time steps per recording, 2 features per step: the signal as seen by two
# sensors with different gains and independent noise.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split

from skrnn import RNNClassifier
from skrnn.plotting import HistoryDisplay

WAVES = {
    "sine": lambda phase: np.sin(2 * np.pi * phase),
    "square": lambda phase: np.sign(np.sin(2 * np.pi * phase)),
    "sawtooth": lambda phase: 2 * (phase % 1.0) - 1,
}


def make_recordings(n_samples, n_steps=60, seed=0):
    rng = np.random.RandomState(seed)
    labels = rng.choice(list(WAVES), size=n_samples)
    time = np.arange(n_steps)
    X = np.empty((n_samples, n_steps, 2))
    for i, label in enumerate(labels):
        cycles = rng.uniform(2, 5)  # periods within the recording
        phase = cycles * time / n_steps + rng.uniform()
        signal = rng.uniform(0.5, 1.5) * WAVES[label](phase)
        X[i, :, 0] = signal + rng.normal(scale=0.3, size=n_steps)
        X[i, :, 1] = 0.5 * signal + rng.normal(scale=0.3, size=n_steps)
    return X, labels


X, y = make_recordings(450)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=150, stratify=y, random_state=0
)
print("X_train:", X_train.shape, " classes:", np.unique(y_train))

fig, axes = plt.subplots(1, 3, figsize=(9, 2.5), sharey=True)
for ax, label in zip(axes, WAVES, strict=True):
    ax.plot(X_train[y_train == label][0, :, 0], linewidth=1)
    ax.set_title(label)
    ax.set_xlabel("step")
fig.tight_layout()
plt.show()

# %%
# Training
# --------
# A GRU of 16 units. With ``early_stopping=True`` a stratified 10 % of the
# training recordings is held out: training stops when their loss stops
# improving, and the best weights are kept.
clf = RNNClassifier(
    cell="gru",
    units=16,
    epochs=40,
    learning_rate=0.01,
    early_stopping=True,
    n_iter_no_change=5,
    random_state=0,
).fit(X_train, y_train)

baseline = DummyClassifier(strategy="most_frequent").fit(
    X_train.reshape(len(X_train), -1), y_train
)
print(
    f"accuracy: GRU {clf.score(X_test, y_test):.3f}, "
    f"majority class {baseline.score(X_test.reshape(len(X_test), -1), y_test):.3f}"
)
print("epochs trained:", clf.n_iter_)

# %%
# Where the errors are
# --------------------
# scikit-learn's displays work on the fitted classifier as on any other.
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test)
plt.show()

# %%
# Training history
# ----------------
# The training loss and, dashed, the loss on the held-out recordings.
HistoryDisplay.from_estimator(clf, name="GRU")
plt.show()

# %%
# ``predict_proba`` gives one column per class, in the order of ``classes_``.
print(clf.classes_)
print(clf.predict_proba(X_test[:3]).round(3))
