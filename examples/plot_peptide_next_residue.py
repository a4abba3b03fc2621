"""
Predict the last amino acid of a peptide
========================================

The seeds' question: *how would you build a neural network to predict the last
amino acid of a peptide?* Peptides have different lengths, padding is not
desirable, and each residue should get a learned representation.

:class:`skrnn.RNNClassifier` takes the peptides as plain strings: it learns the
vocabulary of residues, encodes them as integers, adds an embedding layer, and
batches peptides of similar length together (padding only within a batch, and
masking it). Residues never seen in training map to an out-of-vocabulary code.
"""

# %%
# Peptides with a rule
# --------------------
# We generate peptides of 6 to 20 residues from a Markov chain: each residue has
# one likely successor, followed 70% of the time. The last residue is therefore
# predictable from the prefix, but not perfectly, and since peptides differ in
# length no fixed position holds the answer: the network must find the end.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import RNNClassifier

AMINO_ACIDS = list("ACDEFGHIKLMNPQRSTVWY")
rng = np.random.RandomState(0)
likely_next = rng.permutation(len(AMINO_ACIDS))


def make_peptide(length):
    codes = [rng.randint(len(AMINO_ACIDS))]
    while len(codes) < length:
        if rng.rand() < 0.7:
            codes.append(likely_next[codes[-1]])
        else:
            codes.append(rng.randint(len(AMINO_ACIDS)))
    return "".join(AMINO_ACIDS[c] for c in codes)


peptides = [make_peptide(rng.randint(6, 21)) for _ in range(3000)]
prefixes = np.array([p[:-1] for p in peptides], dtype=object)
last_residue = np.array([p[-1] for p in peptides])
print(peptides[:3], "->", last_residue[:3])

train, test = slice(0, 2400), slice(2400, None)

# %%
# Train GRU and LSTM classifiers on the raw strings
# -------------------------------------------------
results = {}
majority = max(np.mean(last_residue[test] == aa) for aa in AMINO_ACIDS)
results["majority class"] = majority
for cell in ("gru", "lstm"):
    clf = RNNClassifier(
        cell=cell,
        units=64,
        embedding_dim=16,
        epochs=15,
        learning_rate=0.005,
        random_state=0,
    )
    clf.fit(prefixes[train], last_residue[train])
    results[cell.upper()] = clf.score(prefixes[test], last_residue[test])

for name, accuracy in results.items():
    print(f"{name:>15}: accuracy {accuracy:.3f}")
print("vocabulary learned:", "".join(clf.vocabulary_))

# %%
# The best achievable accuracy here is about 0.7 + 0.3/20 = 0.715 (the chain
# follows its likely successor 70% of the time). The recurrent networks get
# close to it; the majority class gets about 1/20.
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(results), list(results.values()), color=["grey", "C0", "C1"])
ax.axhline(0.715, linestyle="--", color="k", label="best achievable")
ax.set_ylabel("test accuracy")
ax.set_title("Last residue of a peptide from its prefix")
ax.legend()
fig.tight_layout()

# %%
# Unknown residues (``X``, ``B``) do not break prediction:
print(clf.predict(["ACDXXB", "KLMNPQ"]))
