"""Where a panel source's values are held while and after they are read.

``value_store="memory"`` (:class:`MemoryStore`) keeps each series' values as
an array of its own, in memory. ``value_store="disk"`` (:class:`DiskStore`)
writes them, chunk by chunk as they are read, to files in a temporary folder
(``tempfile.gettempdir()``: ``TMPDIR``) and reads them back as read-only,
memory-mapped arrays: the operating system pages the values in as training
reads them and drops them again under memory pressure, so a panel whose
values do not fit in memory can be fitted. The files are unlinked once
mapped (POSIX systems: nothing is left behind, and the mapping lives as long
as the arrays that view it; Windows cannot remove a mapped file, and removes
them at the process' exit where they are no longer mapped).

Both stores take a read chunk's segments (:meth:`spill`, in the reading
process or in a dask task: a disk store pickles as its folder), single
arrays (:meth:`put`, a series joined from several chunks) and give the arrays
back (:meth:`get`).
"""

import atexit
import contextlib
import mmap
import os
import shutil
import tempfile
import uuid

import numpy as np

VALUE_STORES = ("memory", "disk")
# Each array starts on a multiple of this many bytes in its file (a float64
# read from an aligned address).
_ALIGN = 8


class MemoryStore:
    """Values as arrays in memory: ``spill`` and ``put`` keep them as they are."""

    def spill(self, parts):
        return parts

    def for_tasks(self):
        return self

    def put(self, values):
        return values

    def seal(self):
        pass

    def get(self, values):
        return values

    def close(self, remove_folder=True):
        pass


class _Slot:
    """Where an array lies in a disk store: file name, byte offset, dtype, shape."""

    __slots__ = ("name", "offset", "dtype", "shape")

    def __init__(self, name, offset, dtype, shape):
        self.name, self.offset, self.dtype, self.shape = name, offset, dtype, shape

    def __len__(self):
        return self.shape[0]


class DiskStore:
    """Values written to files in a temporary folder, read as memory-mapped arrays.

    ``put`` appends to the store's current file, and so does ``spill`` in the
    store's own process (a few large files, few mappings); a copy of the store
    in a dask task writes each chunk to a file of its own (tasks running at
    once do not share a file). ``get`` maps a file once it is complete (a file
    still being appended to is closed first) and returns a read-only view.
    ``close`` unlinks the files (their mappings stay valid) and the folder.

    ``folder``: a folder to write into, such as one that several workers
    share (:class:`skrnn._workers.SharedReading`); their stores map each
    other's files, and each removes its own (``close(remove_folder=False)``).
    """

    def __init__(self, folder=None, token=None):
        self.folder = folder or tempfile.mkdtemp(prefix="skrnn-values-")
        # In the name of every file this store and its copies write.
        self._token = token or uuid.uuid4().hex[:16]
        self._task_copy = False  # True in a copy made for a dask task
        self._open = None  # (name, file) that put appends to
        self._maps = {}  # file name -> mmap

    def for_tasks(self):
        """A copy for dask tasks, which may run at once in threads of this
        process: each chunk is written to a file of its own."""
        copy = DiskStore(self.folder, self._token)
        copy._task_copy = True
        return copy

    def __getstate__(self):  # a dask task's copy: the folder and the token
        return {"folder": self.folder, "token": self._token}

    def __setstate__(self, state):
        self.__init__(state["folder"], state["token"])
        self._task_copy = True

    def spill(self, parts):
        """Write the values of one chunk's segments (``{id: [segment]}``),
        those of one dtype in one write (a chunk's are of one); each
        segment's ``values`` becomes its slot."""
        by_dtype = {}
        for pieces in parts.values():
            for segment in pieces:
                by_dtype.setdefault(segment.values.dtype, []).append(segment)
        for dtype, segments in by_dtype.items():
            joined = np.concatenate([segment.values for segment in segments])
            if self._task_copy:
                name = f"chunk-{self._token}-{uuid.uuid4().hex}.bin"
                with _writing(self.folder):
                    with open(os.path.join(self.folder, name), "wb") as file:
                        slot = _write(file, name, joined)
            else:
                slot = self.put(joined)
            offset = slot.offset
            for segment in segments:
                shape = segment.values.shape
                segment.values = _Slot(slot.name, offset, dtype, shape)
                offset += dtype.itemsize * int(np.prod(shape))
        return parts

    def put(self, values):
        """Append one array to the store's current file; its slot."""
        with _writing(self.folder):
            if self._open is None:
                name = f"values-{self._token}-{uuid.uuid4().hex}.bin"
                self._open = (name, open(os.path.join(self.folder, name), "wb"))
            name, file = self._open
            return _write(file, name, values)

    def seal(self):
        """Close the file ``put`` appends to: complete, others may map it."""
        if self._open is not None:
            file, self._open = self._open[1], None
            with _writing(self.folder):
                file.close()  # its last writes flushed

    def get(self, slot):
        """The array at ``slot`` (an array is returned as it is)."""
        if not isinstance(slot, _Slot):
            return slot
        if self._open is not None and self._open[0] == slot.name:
            self.seal()
        mapped = self._maps.get(slot.name)
        if mapped is None:
            with open(os.path.join(self.folder, slot.name), "rb") as file:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            # Training reads windows at random places: no read-ahead. With
            # it, each page fault read its neighbours too and filled a file
            # cache smaller than the values with pages no batch read (4,000
            # series of 25,000 steps in 800 MB: a 314 s epoch, 36 s without).
            if hasattr(mmap, "MADV_RANDOM"):  # POSIX
                mapped.madvise(mmap.MADV_RANDOM)
            self._maps[slot.name] = mapped
        count = int(np.prod(slot.shape))
        return np.frombuffer(mapped, slot.dtype, count, slot.offset).reshape(slot.shape)

    def close(self, remove_folder=True):
        """Remove the files; arrays already read stay valid (their mappings
        keep the files' pages). ``remove_folder=False``: remove only the
        files this store and its copies wrote, and leave the folder."""
        self.seal()
        self._maps.clear()
        try:
            names = os.listdir(self.folder)
            if not remove_folder:
                names = [name for name in names if f"-{self._token}-" in name]
            for name in names:
                os.unlink(os.path.join(self.folder, name))
            if remove_folder:
                os.rmdir(self.folder)
        except OSError:  # a mapped file cannot be removed (Windows): at exit
            atexit.register(shutil.rmtree, self.folder, ignore_errors=True)


def _write(file, name, values):
    """Write ``values`` at the file's end, aligned; their slot."""
    values = np.ascontiguousarray(values)
    offset = file.tell()
    if offset % _ALIGN:
        file.write(b"\0" * (_ALIGN - offset % _ALIGN))
        offset = file.tell()
    file.write(values.data)
    return _Slot(name, offset, values.dtype, values.shape)


class _FailedWrite(OSError):
    """Writing values to the store's folder failed, worded for the user."""


@contextlib.contextmanager
def _writing(folder):
    """Say where and what to do when creating, writing or closing (flushing)
    a file in ``folder`` fails, a full disk most likely."""
    try:
        yield
    except _FailedWrite:
        raise
    except OSError as error:
        raise _FailedWrite(
            error.errno,
            f"Writing the panel's values to {folder!r} failed "
            f"({error.strerror or error}): free space there, point TMPDIR to a "
            "larger disk, or fit with value_store='memory'.",
        ) from error


def store_kind(estimator):
    """The estimator's ``value_store`` ("memory" for one pickled before the
    parameter existed)."""
    return getattr(estimator, "value_store", "memory")


def value_store(kind, folder=None):
    """A new store of the kind ``value_store`` names ("memory" or "disk"),
    a disk store in ``folder`` if given."""
    return DiskStore(folder) if kind == "disk" else MemoryStore()
