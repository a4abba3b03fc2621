"""The parameter documentation the sequence estimators share, written once.

:class:`~skrnn.RNNRegressor` and :class:`~skrnn.RNNClassifier` take the same
network and training parameters; their docstrings hold ``{{name}}`` markers
that :func:`fill_doc` replaces with the blocks below (indented for a class
docstring), so a parameter's description cannot drift between them.
"""

NETWORK = """\
cell : {"auto", "lstm", "gru", "simple"}, default="auto"
    Recurrent cell: ``keras.layers.LSTM``, ``GRU`` or ``SimpleRNN``. "auto"
    is the recipe's, "gru". **Naming** ``cell`` **or** ``units`` **builds
    that recurrent network alone**: every parameter below still at "auto"
    then takes the plain value (one direction, no front end, the final
    state, one network, the features standardised as they are) instead of
    the recipe's, while any you name is built as named. The table in the
    Notes gives both.
units : int, tuple of int or "auto", default="auto"
    Units of the recurrent layer; a tuple stacks layers, e.g. ``(64, 32)``.
    "auto" is the recipe's, 64.
bidirectional : bool or "auto", default="auto"
    Wrap each recurrent layer in ``keras.layers.Bidirectional``. "auto":
    True in the recipe, False for a named network.
dropout : float in [0, 1), default=0.0
    Dropout on the inputs of each recurrent layer.
recurrent_dropout : float in [0, 1), default=0.0
    Dropout on the recurrent state (disables the fused cuDNN kernels on GPU).
mask_value : float or None, default=None
    Time steps whose features all equal this value are skipped (a
    ``keras.layers.Masking`` layer), e.g. the padding of
    :class:`WindowTransformer`. Numeric sequences only.
embedding_dim : int, default=16
    Size of the learned embedding of each symbol, when X holds strings
    (one symbol per character) or lists of tokens. Numbers are not embedded:
    for them it stays at its default.
return_sequences : bool, default=False
    One output per time step (sequence labelling): y then holds a target
    per step, ``(n_samples, n_steps)`` or a list of per-sample arrays for
    sequences of different lengths (for a classifier, also one string per
    sample: a label per character). Each step's output reads the steps up
    to it only, unless ``bidirectional=True`` (see the rule below).
tbptt_steps : int or None, default=None
    Truncated backpropagation through time for very long sequences with
    per-step targets: train on chunks of this many steps, carrying the
    recurrent state from chunk to chunk, so memory is bounded by the chunk,
    not the sequence. Needs ``return_sequences=True`` and equal lengths.
scale_inputs : {"auto", "instance", "standard"}, bool or None, default="auto"
    Input scaling inside the estimator, fitted on the training data and
    saved with the model. "standard" (or True) standardises each feature
    with the training mean and standard deviation over all samples and
    steps: the network reads your features. "instance" z-normalises each
    series and feature over its own steps and adds the series' mean and log
    standard deviation of each feature as two more input features (so the
    network sees shape and level apart: series whose scales differ by orders
    of magnitude become comparable), then standardises them all: the network
    reads ``3 * n_features`` features. None or False leaves the values as
    they are. "auto": "instance" in the recipe, "standard" for a named
    network. Strings and tokens are embedded, never scaled: for them it
    stays "auto" (or None, False).
max_steps : int, None or "auto", default="auto"
    Long numeric sequences are shortened so the recurrent layers read at
    most about this many steps, by ``k = ceil(median training length /
    max_steps)``. With a convolutional front end, its first block reads
    every step and max-pools each run of ``k`` steps into one; without, each
    run of ``k`` consecutive steps is folded into one step of ``k`` times
    the features. Shorter sequences are unchanged; None never shortens. Per-
    step outputs (``return_sequences``, ``tbptt_steps``) are never shortened:
    there it must stay "auto" (recorded as None) or None. "auto": 128 in the
    recipe, None for a named network.
conv_filters : "auto" or tuple of int, default="auto"
    Convolutional front end before the recurrent layers: one
    ``Conv1D(filters, conv_kernel_size, padding="same")`` + batch
    normalisation + ReLU block per entry, e.g. ``(128, 128)``; ``()`` for
    none. "auto": ``(128, 128)`` in the recipe for numeric series with one
    output per series, ``()`` elsewhere (``return_sequences``,
    ``tbptt_steps``, ``mask_value``, strings or tokens) and for a named
    network. With a front end, series of different lengths are resampled
    linearly to the median training length (convolutions cannot skip
    padding) instead of padded and masked.
conv_kernel_size : int, default=8
    Width, in steps, of each convolution of the front end.
pooling : {"auto", "mean", "last"}, default="auto"
    What the output layer reads: the mean of the last recurrent layer's
    outputs over the steps, or its final state. "auto": "mean" in the recipe
    for numeric series (a named ``conv_filters``, even ``()``, keeps the
    recipe), "last" elsewhere and for a named network. Ignored with
    ``return_sequences``.
random_shift : float in [0, 0.5] or "auto", default="auto"
    Augments the training series: each is shifted in time by a random number
    of steps, up to this fraction of its length either way, its first or
    last step repeated into the steps it leaves, drawn anew for every series,
    batch and network; predictions average copies shifted across that range
    (``predict_shifts``). 0 turns it off. "auto": 0.1 for a classifier's
    numeric recipe (its network not named, whole series in, one output
    each), 0 elsewhere (a regressor's target may depend on where a pattern
    lies). More than 0 needs whole
    numeric series without padding: not strings or tokens, ``mask_value``,
    per-step outputs, series of different lengths without a convolutional
    front end, or ``model``.
predict_shifts : int or "auto", default="auto"
    Copies of each series, shifted in time, whose outputs are averaged at
    prediction (probabilities, values): 1 reads each series once, as it is;
    k > 1 reads it k times, shifted by evenly spaced steps from
    -``random_shift`` to +``random_shift`` of its length, the range it
    trained on (3 copies at ``random_shift=0.1``: -0.1, 0 and +0.1 of the
    length), the first or last step repeated as in training, for k times the
    prediction's arithmetic. "auto": 3 where the network trained on shifted
    series (``random_shift`` above 0), else 1. More than 1 needs
    ``random_shift`` above 0 (an error otherwise). Only prediction reads it:
    it may be changed after ``fit``.
lr_schedule : {"auto", "plateau", "cosine"} or None, default="auto"
    How the learning rate changes during a fit. "plateau" halves it each
    time the training loss has not improved for 10 epochs, down to 1e-5
    (as ``keras.callbacks.ReduceLROnPlateau`` with ``factor=0.5``,
    ``patience=10``, ``min_lr=1e-5``); "cosine" lowers it from
    ``learning_rate`` to 1e-5 along half a cosine over the fit's epochs;
    None keeps it constant. "auto": "cosine" for a classifier's numeric
    recipe (its network not named, whole series in, one output each),
    "plateau" otherwise.
n_networks : int or "auto", default="auto"
    Networks trained side by side, each from its own initial weights, whose
    outputs (values, or class probabilities) are averaged: an ensemble, less
    dependent on one draw of the weights. They train as one Keras model with
    the mean of their losses, so ``fit`` costs about ``n_networks`` times one
    network; ``history_``, early stopping and the plateau schedule follow
    that mean loss. "auto": 3 in the recipe for numeric series (a named
    ``conv_filters``, even ``()``, keeps the recipe), 1 elsewhere and for a
    named network. More than 1 needs one output per sample (not
    ``return_sequences`` or ``tbptt_steps``); with ``model``, each network
    is one call of it."""

MODEL = """\
model : callable or None, default=None
    Your own architecture: called as ``model(input_shape=(None, n_features),
    n_outputs=k, output_activation=a)`` and returning an uncompiled
    ``keras.Model`` that ends in ``k`` units with activation ``a``. skrnn
    compiles and trains it; it counts as a named network, so the "auto"
    parameters take their plain values (``n_features`` is then the number of
    your features, standardised; see ``scale_inputs``). For strings and
    tokens it gets ``input_shape=(None,)``: integer codes of the symbols, 0
    for padding, fewer than ``vocabulary_size`` -- passed to a callable that
    takes a ``vocabulary_size`` argument, to size its ``keras.layers.Embedding``.
    Pass the function, not a network built already."""

TRAINING = """\
epochs : int or "auto", default="auto"
    Number of passes over the training data (the most, with early stopping).
    "auto" trains small sets longer, where each pass is cheap: enough passes
    to read 30,000 samples, within 100 and 300 epochs for numbers (100 from
    300 samples on; 300 up to 100 samples), within 20 and 100 for strings
    and tokens. A classifier's numeric recipe, with its cosine schedule,
    reads 15,000 samples within 100 and 150 epochs (fewer epochs on sets
    under 300 samples), and over 320 samples, whose batches it caps at 32,
    as many updates as batches of a tenth would make (PLAID's 537 series:
    60 epochs of 32), and ends earlier once its training set is fitted (the
    training loss below 0.04 for 5 epochs in a row; 0.02 with
    ``random_shift=0``, whose unshifted series fit closer). With
    ``lr_schedule="plateau"`` "auto" epochs are a bound, not a count: the fit
    ends earlier once the schedule is spent (the rate at its floor, the loss
    stalled 10 more epochs). ``n_iter_`` tells how many ran. A number trains
    exactly that many.
batch_size : int or "auto", default="auto"
    Samples per gradient step. "auto": a tenth of the training samples
    within 8 and 128 for numbers (within 8 and 32 in a classifier's numeric
    recipe, whose recurrent loops run compiled up to 32); a hundredth within
    16 and 128 for strings and tokens.
optimizer : {"adam", "adamw", "nadam", "rmsprop", "sgd", "adagrad"}, default="adam"
    Keras optimizer.
learning_rate : float, default=1e-3
    Learning rate of the optimizer."""

FITTING = """\
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (stratified by
    class for a classifier) and stop when its loss has not improved for
    ``n_iter_no_change`` epochs, restoring the best weights.
validation_fraction : float in (0, 1), default=0.1
    Share of the training data held out for early stopping.
n_iter_no_change : int, default=10
    Patience of early stopping, in epochs.
warm_start : bool, default=False
    When fitted already, ``fit`` continues training the existing network for
    ``epochs`` more epochs instead of starting again, in batches of the
    ``batch_size`` named now. A ``learning_rate`` changed since the last fit
    sets the optimizer's rate to it (fine-tuning; its step count and moment
    estimates carry on); unchanged, training goes on
    at the optimizer's own rate, which the "plateau" schedule may have
    lowered (the "cosine" schedule runs its course again from
    ``learning_rate`` in every fit). The
    network's parameters, the loss (other spellings of the same one, such as
    "auto", "mse" and "squared_error", are the same), the optimizer and
    dropout cannot change: a ValueError names them.
distribution : {"default", "mirrored", "multi_worker"} or None, default=None
    Train through ``tf.distribute``: "mirrored" replicates the network on all
    visible GPUs (``MirroredStrategy``; batches are split across them, so
    scale ``batch_size`` with the number of GPUs); "default" uses the
    strategy in effect, e.g. one the caller entered with
    ``strategy.scope()``. "multi_worker" trains data-parallel across
    processes or machines, each running the same script (JAX backend; the
    workers are found through ``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
    ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and ``KERAS_DISTRIBUTION_PROCESS_ID``):
    each batch of ``batch_size`` samples is split among the workers, so the
    network is the one a single process trains, up to float32 rounding.
    None (default) uses no strategy.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling and dropout. An int makes fits
    reproducible, in one process and across processes.
verbose : {0, 1, 2} or bool, default=0
    0 (or False) trains silently. 1 (or True) and 2 print one plain line per
    epoch: the loss (and the hold-out's with early stopping), the epoch's time
    and an estimate of the time left (an upper bound with early stopping),
    in terminals, logs and notebooks alike."""

ATTRIBUTES = """\
training_params_ : dict
    What was built and how it trained: ``cell``, ``units``,
    ``bidirectional``, ``conv_filters``, ``pooling``, ``random_shift``,
    ``n_networks``, ``scale_inputs``, ``max_steps``, ``epochs``,
    ``batch_size`` and ``lr_schedule``, each as named or with "auto" resolved, and
    ``stop_below``: the training loss below which (for 5 epochs in a row)
    "auto" epochs end, or None where every epoch is trained."""

RULE = """\
Parameters left at "auto" are resolved at ``fit`` and recorded in
``training_params_``. With ``cell`` and ``units`` both "auto" they take the
recipe for the input; name either (or pass ``model``) and those still "auto"
build the plain recurrent network:

===================  ===============  ===============  ===========  ==============
parameter            numeric series   per-step,        strings,     named network
                     (recipe)         mask (recipe)    tokens
===================  ===============  ===============  ===========  ==============
``cell``             "gru"            "gru"            "gru"        "gru"
``units``            64               64               64           64
``bidirectional``    True             True (b)         True (b)     False
``conv_filters``     (128, 128)       ()               ()           ()
``pooling``          "mean"           "last"           "last"       "last"
``random_shift``     0.1 (c)          0                0            0
``predict_shifts``   3 (d)            1                1            1
``n_networks``       3 (a)            1                1            1
``scale_inputs``     "instance"       "instance" (b)   (none)       "standard"
``max_steps``        128              128 (b)          None         None
===================  ===============  ===============  ===========  ==============

(a) 2 for :class:`RNNRegressor`: two networks scored as three on the
regression sets' validation splits, for two thirds of the arithmetic.
(b) Per-step outputs (``return_sequences``, ``tbptt_steps``) are causal:
one direction and ``scale_inputs="standard"``, so each step's output reads
the steps up to it only, never the next value it may be trained to predict
(nor a level and scale computed over later steps); they are never shortened
(``max_steps`` None: every step has its own output). Name
``bidirectional=True`` or ``scale_inputs="instance"`` to read whole
sequences (e.g. to tag every step); truncated backpropagation refuses
``bidirectional=True``.
(c) 0 for :class:`RNNRegressor`: the shift was chosen on the
classification sets, and a regression target may depend on where a
pattern lies.
(d) Follows ``random_shift``: 3 copies where it is above 0, else 1.

So ``RNNRegressor(cell="simple", units=3)`` on one feature is a
``SimpleRNN(3)`` and a ``Dense(1)``: 19 weights."""

BLOCKS = {
    "network_parameters": NETWORK,
    "model_parameter": MODEL,
    "training_parameters": TRAINING,
    "fitting_parameters": FITTING,
    "auto_attributes": ATTRIBUTES,
    "auto_rule": RULE,
}


def fill_doc(cls):
    """Replace each ``{{name}}`` line of ``cls.__doc__`` with block ``name``.

    The marker's indentation is applied to every line of the block.
    """
    lines = []
    for line in (cls.__doc__ or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("{{") and stripped.endswith("}}"):
            indent = line[: len(line) - len(line.lstrip())]
            block = BLOCKS[stripped[2:-2]]
            lines.extend(
                (indent + row).rstrip() if row else "" for row in block.splitlines()
            )
        else:
            lines.append(line)
    cls.__doc__ = "\n".join(lines)
    return cls
