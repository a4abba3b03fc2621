"""The file :func:`~skrnn.save_estimator` writes: a zip read within bounds.

A file is a zip archive of ``estimator.json`` (the header: format, version and
the estimator as JSON), ``arrays.npz`` (NumPy ``.npy`` arrays, never pickled
objects) and ``model_<n>.keras`` networks. :func:`write_file` writes one;
:class:`Archive` reads one (and the archives inside it) without ever
decompressing past the limits below, and :func:`read_header` checks its
header. Anything malformed raises :class:`InvalidFileError`.
"""

import io
import json
import math
import re
import tokenize
import zipfile
import zlib

import numpy as np

FORMAT = "skrnn-estimator"
# 2: classes named by registry identifiers; datetime indexes as integers with
# their time zone; dicts with non-string keys; RandomState objects.
# 3: estimators trained through the engine (input/target encoders, model_ on
# the forecaster). Files of earlier versions hold estimators this skrnn cannot
# rebuild: they are refused with a clear message.
# 4: the forecaster's fitted state as its restructured code holds it
# (``_container``, ``target_transforms_`` for one series too).
# 5: naive datetime indexes on a frequency as their first stamp and length
# ("datetime_range"), not one integer a step; small arrays as slices of one
# member per dtype ("slice", "shape"), not a member each. Arrays of strings
# of which one ends in NUL ("__strings__" in the header: NumPy's str arrays
# drop trailing NULs) came later without a new version: readers before them
# refuse such a file as holding an unknown entry, never read it wrongly.
# 6: RNNRegressor and RNNClassifier have ``random_shift``; files of earlier
# versions, which lack it, are read with the value those estimators trained
# with (ADDED_PARAMETERS).
# 7: RNNRegressor and RNNClassifier have ``predict_shifts``; files of earlier
# versions are read with 1 (each series read once, as they predicted).
# 8: RNNClassifier has ``label_smoothing``; files of earlier versions are read
# with 0 (the labels as they are, as those classifiers trained).
# 9: NumPy numbers as their type ("__numpy__": the dtype's name and the value),
# where earlier versions wrote them as plain numbers (np.int64(3) loaded as 3).
FORMAT_VERSION = 9
OLDEST_READABLE = 3
# Classes whose state changed since the oldest readable version: files older
# than this version hold such an estimator in a form this skrnn cannot rebuild.
OLDEST_READABLE_FOR = {"skrnn.SequenceForecaster": 4}
# Parameters added since the oldest readable version: parameter -> (the
# version that added it, the value that reproduces what estimators did
# before). An estimator whose class has the parameter, from a file older than
# that version (or a pickle without it), is read with that value, also
# recorded in its ``training_params_`` unless fit resolves nothing of it
# (UNRESOLVED_PARAMETERS: ``predict_shifts`` is read at prediction,
# ``label_smoothing`` as named).
ADDED_PARAMETERS = {
    "random_shift": (6, 0.0),
    "predict_shifts": (7, 1),
    "label_smoothing": (8, 0.0),
}
UNRESOLVED_PARAMETERS = frozenset({"predict_shifts", "label_smoothing"})


def added_parameters(parameters, version=None):
    """The ADDED_PARAMETERS among ``parameters`` (a class's), name -> value; with
    a file's ``version``, only those newer than it."""
    return {
        name: value
        for name, (since, value) in ADDED_PARAMETERS.items()
        if name in parameters and (version is None or version < since)
    }


def fill_added_parameters(state, added):
    """Give ``state`` (an estimator's ``__dict__`` from an older skrnn) the
    parameters it lacks, ``added`` (name -> value), and record those fit
    resolves in its ``training_params_`` (not UNRESOLVED_PARAMETERS)."""
    for name, value in added.items():
        state.setdefault(name, value)
        resolved = state.get("training_params_")
        if isinstance(resolved, dict) and name not in UNRESOLVED_PARAMETERS:
            resolved.setdefault(name, value)


# What load_estimator reads at most, generous for real models: a file is
# refused before its members are decompressed past these.
MAX_MEMBERS = 1_000  # zip members, in the file and in each archive inside it
MAX_MEMBER_BYTES = 2**30  # one decompressed member: 1 GiB
MAX_TOTAL_BYTES = 2**31  # everything decompressed from one file: 2 GiB
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 100
# What parsing builds per JSON value (a list, a str, a number: Python objects of
# 30-60 bytes and a pointer to each), charged to the budget before parsing: a
# few bytes of "[]," otherwise build gigabytes.
JSON_BYTES_PER_VALUE = 64

# Reading a member: damaged data, an encrypted member (RuntimeError), an unknown
# compression method (NotImplementedError).
_CORRUPT_MEMBER = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)
# ASCII digits, a few of them: no name a file system refuses.
MEMBER_NAME = re.compile(r"estimator\.json|arrays\.npz|model_[0-9]{1,6}\.keras")
ARRAY_NAME = re.compile(r"array_[0-9]{1,9}\.npy")
_CHUNK = 2**20


class InvalidFileError(ValueError):
    """A file that :func:`load_estimator` cannot read: corrupt, foreign or unsafe.

    Its message starts with ``not a valid skrnn file:`` and names the reason.

    Parameters
    ----------
    reason : str
        What is wrong with the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skrnn import InvalidFileError, load_estimator
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "junk.skrnn"
    >>> _ = path.write_bytes(b"not a zip file")
    >>> try:
    ...     load_estimator(path)
    ... except InvalidFileError as error:
    ...     print(str(error)[:23])
    not a valid skrnn file:
    """

    def __init__(self, reason):
        super().__init__(f"not a valid skrnn file: {reason}")


# ------------------------------------------------------------------ writing
def write_file(path, root, arrays, models):
    """Write a file: the header holding ``root`` (the estimator as JSON), the
    ``arrays`` (name -> ndarray) and the ``models`` (member name -> .keras bytes)."""
    from . import __version__

    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "skrnn": __version__,
        "root": root,
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("estimator.json", json.dumps(header))
        archive.writestr("arrays.npz", buffer.getvalue())
        for name, data in models.items():
            archive.writestr(name, data)


# ------------------------------------------------------------------ reading
class Archive:
    """A zip archive read within limits: members counted, sizes checked, streams capped."""

    def __init__(self, file, what, budget=None):
        self.what = what
        # One-element list: bytes left to decompress, shared with the archives
        # read from this one (a fresh file: MAX_TOTAL_BYTES).
        self.budget = [MAX_TOTAL_BYTES] if budget is None else budget
        try:
            self.zip = zipfile.ZipFile(file)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise InvalidFileError(f"{what} is not a zip archive ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise InvalidFileError(
                f"{what} has {len(infos)} members (at most {MAX_MEMBERS})"
            )
        self.members = {}
        for info in infos:
            if info.filename in self.members:
                raise InvalidFileError(f"{what} holds {info.filename!r} twice")
            if info.file_size > MAX_MEMBER_BYTES:
                raise InvalidFileError(
                    f"member {info.filename!r} of {what} inflates to {info.file_size} "
                    f"bytes (at most {MAX_MEMBER_BYTES})"
                )
            self.members[info.filename] = info
        declared = sum(info.file_size for info in infos)
        if declared > self.budget[0]:
            raise InvalidFileError(
                f"{what} inflates to {declared} bytes, more than the {self.budget[0]} "
                f"left of {MAX_TOTAL_BYTES}"
            )

    def check_fits(self, n_bytes, what):
        """Refuse the file if building ``n_bytes`` at once (freed after) would
        not fit in what is left of its budget."""
        if n_bytes > self.budget[0]:
            raise InvalidFileError(
                f"{what} of {n_bytes} bytes exceeds the {self.budget[0]} left of "
                f"{MAX_TOTAL_BYTES}"
            )

    def charge(self, n_bytes, what):
        """Count ``n_bytes`` that reading builds (not decompressed) against the
        file's budget, or refuse the file."""
        self.check_fits(n_bytes, what)
        self.budget[0] -= n_bytes

    def read(self, name, limit=None):
        """The member's bytes, never decompressing more than the limits allow."""
        if name not in self.members:
            raise InvalidFileError(f"{self.what} has no member {name!r}")
        limit = min(MAX_MEMBER_BYTES if limit is None else limit, self.budget[0])
        chunks, size = [], 0
        try:
            with self.zip.open(self.members[name]) as stream:
                while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise InvalidFileError(
                            f"member {name!r} of {self.what} inflates past {limit} bytes"
                        )
        except _CORRUPT_MEMBER as exc:
            raise InvalidFileError(
                f"member {name!r} of {self.what} is corrupt ({exc})"
            ) from None
        self.budget[0] -= size
        return b"".join(chunks)


def read_npy(data, name):
    """An array from .npy bytes, checking its header against the data first."""
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
        if dtype.hasobject:
            raise ValueError("object arrays are not read")
        if math.prod(shape) * dtype.itemsize > len(data) - stream.tell():
            raise ValueError("its data is shorter than its header says")
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    # NumPy's header parser raises tokenize's and ast's errors too.
    except (
        ValueError,
        TypeError,
        OSError,
        EOFError,
        OverflowError,
        SyntaxError,
        tokenize.TokenError,
    ) as exc:
        raise InvalidFileError(
            f"array {name!r} in arrays.npz is corrupt ({type(exc).__name__}: {exc})"
        ) from None


def _json_depth(value):
    """Deepest nesting of lists and dicts in parsed JSON (1 for a flat one),
    walked without recursion: linear in the text, whatever it holds."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((item, depth + 1) for item in node)
    return deepest


def read_header(archive):
    """``(version, root)`` of a file's ``estimator.json``, checked."""
    if "estimator.json" not in archive.members:
        raise InvalidFileError(
            "the file has no member 'estimator.json' (not a file written by "
            "skrnn.save_estimator)"
        )
    data = archive.read("estimator.json", limit=MAX_JSON_BYTES)
    # Every value but the first follows a ',' or ':' (or opens a container):
    # an upper bound on the values parsing builds, counted without parsing.
    n_values = 1 + sum(data.count(mark) for mark in (b",", b":", b"[", b"{"))
    archive.charge(JSON_BYTES_PER_VALUE * n_values, "estimator.json's values")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidFileError(f"estimator.json is not JSON ({exc})") from None
    try:
        header = json.loads(text)
    except RecursionError:
        raise InvalidFileError(
            f"estimator.json nests deeper than {MAX_JSON_DEPTH}"
        ) from None
    except ValueError as exc:  # also ints of over 4300 digits
        raise InvalidFileError(f"estimator.json is not JSON ({exc})") from None
    if _json_depth(header) > MAX_JSON_DEPTH:
        raise InvalidFileError(f"estimator.json nests deeper than {MAX_JSON_DEPTH}")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidFileError(
            "estimator.json does not describe an estimator (not a file written by "
            "skrnn.save_estimator)"
        )
    version = header.get("version")
    if type(version) is not int or version < 1:
        raise InvalidFileError(f"format version {version!r} is not a version")
    if version < OLDEST_READABLE:
        raise ValueError(
            f"The file was written by an older skrnn (format version {version}), "
            "whose estimators this version cannot rebuild: refit the estimator and "
            "save it again."
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"The file was written by a newer skrnn (format version {version}); "
            "upgrade skrnn to read it."
        )
    root = header.get("root")
    if not isinstance(root, dict) or "__object__" not in root:
        raise InvalidFileError("estimator.json holds no estimator")
    return version, root
