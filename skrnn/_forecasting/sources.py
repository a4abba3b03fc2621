"""Panels in long format on disk or in a cluster: Parquet, Arrow datasets, dask.

A *panel source* is a table with one row per (series id, time) and three
columns, named by the forecaster's ``id_col``, ``time_col`` and
``target_col`` (``"unique_id"``, ``"ds"``, ``"y"`` by default, the long format
of other forecasting tools). Any other column is refused, naming it (covariates
are not read from a source: they come in a pandas long frame):

* a Parquet file or folder of Parquet files (a :class:`pathlib.Path` or a
  ``str`` path),
* a :class:`pyarrow.dataset.Dataset`, or
* a dask DataFrame.

:func:`read_source` reads it record batch by record batch (dask: partition by
partition, in one computation of its graph), never as one pandas frame of
the whole panel, into one array per series: ``float32`` where the value
column is ``float32`` (half the memory), else ``float64`` as every other
input of the forecaster. Rows may come in any
order; each series is sorted by time. :func:`long_frame` writes per-series
results back in the same long format, the columns named as they came in.

pyarrow and dask are imported only when such a source is given (pyarrow is
the ``parquet`` extra).
"""

import dataclasses
import os
import pathlib
import re
import sys
import urllib.parse
import uuid

import numpy as np
import pandas as pd

from .series import _infer_freq, series_index
from .value_store import MemoryStore

# Rows per record batch read from an Arrow dataset.
BATCH_ROWS = 1 << 17
# Container kinds of panel sources (see ``data.Container``).
SOURCE_KINDS = ("arrow", "dask")
# The columns in which pandas' to_parquet stores an unnamed index.
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


@dataclasses.dataclass(frozen=True)
class LongColumns:
    """The names of a long panel's series id, time and value columns."""

    id: str = "unique_id"
    time: str = "ds"
    target: str = "y"

    @classmethod
    def of(cls, estimator):
        """The columns the estimator's ``id_col``, ``time_col``, ``target_col`` name."""
        return cls(
            getattr(estimator, "id_col", cls.id),
            getattr(estimator, "time_col", cls.time),
            getattr(estimator, "target_col", cls.target),
        )

    def names(self):
        return [self.id, self.time, self.target]


@dataclasses.dataclass(frozen=True)
class SourcePanel:
    """A panel read from a source: ``values[i]`` is series ``ids[i]``, ``(n_i, 1)``."""

    kind: str
    ids: list
    values: list
    indexes: list
    columns: LongColumns


# ------------------------------------------------------------------ detect
def _is_dask_frame(data):
    module = sys.modules.get("dask.dataframe")
    return module is not None and isinstance(data, module.DataFrame)


def _is_arrow_dataset(data):
    module = sys.modules.get("pyarrow.dataset")
    return module is not None and isinstance(data, module.Dataset)


def _is_parquet_path(data):
    """Whether ``data`` is a path: a series is never a string, so any path is
    read as Parquet (and a file that is not one is an error naming it)."""
    return isinstance(data, (str, os.PathLike))


def is_source(data):
    """Whether ``data`` is a panel source (a Parquet path, an Arrow dataset or a
    dask DataFrame). Imports nothing."""
    return _is_parquet_path(data) or _is_arrow_dataset(data) or _is_dask_frame(data)


def source_kind(data):
    """The kind of a source: "dask" for a dask DataFrame, else "arrow"."""
    return "dask" if _is_dask_frame(data) else "arrow"


def import_pyarrow_dataset():
    """``pyarrow.dataset``, or an ImportError saying how to install it."""
    try:
        import pyarrow.dataset
    except ImportError as error:
        raise ImportError(
            "Reading a panel from Parquet needs pyarrow: pip install 'skrnn[parquet]' "
            "(or pip install pyarrow)."
        ) from error
    return pyarrow.dataset


# -------------------------------------------------------------------- read
def source_chunks(data, columns, shard=None):
    """Pandas frames of a few rows each (one record batch, or one dask
    partition as a pandas frame; a dask DataFrame is read by
    :func:`_dask_segments`). ``shard``: ``(index, count)``, the row groups of
    one worker of several (:func:`_shard_of`).

    Only the three columns are read; a missing one is a ValueError naming it.
    """
    if isinstance(data, pd.DataFrame):  # one dask partition, when predicting
        _check_columns(list(data.columns), columns)
        yield data[columns.names()]
        return
    dataset = data
    given = _is_arrow_dataset(data)  # its schema the user's, not the first file's
    if not given:
        path = pathlib.Path(os.fspath(data))
        if not path.exists():
            raise FileNotFoundError(f"No Parquet file or folder at {str(path)!r}.")
        dataset = _parquet_dataset(path, columns)
    _check_columns(dataset.schema.names, columns)
    dataset = _checked_dataset(dataset, columns, given=given)
    dataset, every = _shard_of(dataset, shard)
    # No read-ahead, no reading threads, no pre-buffered row groups: memory
    # holds the record batch being read. With any of them Arrow decoded ahead
    # of the (slower) reading of each batch into series: 20,000 series of 500
    # steps peaked at +270 MB while read, +160 MB without (2 s either way).
    batches = dataset.to_batches(
        columns=columns.names(),
        batch_size=BATCH_ROWS,
        batch_readahead=0,
        fragment_readahead=0,
        use_threads=False,
        fragment_scan_options=_scan_options(dataset),
    )
    # Converted to pandas in this thread too: the conversion's threads left
    # freed memory in their own heaps (100,000 series of 1,000 steps: +576 MB
    # at most while read and +492 MB once read, +534 MB and +468 MB without).
    for number, batch in enumerate(batches):
        if every is not None and number % every[1] != every[0]:
            continue  # another worker's batch (a dataset not of files)
        if batch.num_rows:
            # The columns as columns, also where pandas stored them as its
            # index (frame.set_index([...]).to_parquet(path)).
            # Dates (date32) as time stamps, not Python date objects.
            yield batch.to_pandas(
                use_threads=False, ignore_metadata=True, date_as_object=False
            )


def _shard_of(dataset, shard):
    """``(dataset, every)``: a dataset of files (Parquet) cut to one worker's
    row groups -- every ``count``-th of the files' row groups in order, from
    the ``index``-th -- and ``every`` None; any other dataset as it is, and
    ``every`` the ``(index, count)`` of the record batches to keep."""
    if shard is None:
        return dataset, None
    module = import_pyarrow_dataset()
    if not isinstance(dataset, module.FileSystemDataset):
        return dataset, shard
    index, count = shard
    pieces = []
    for fragment in dataset.get_fragments():
        split = getattr(fragment, "split_by_row_group", None)
        pieces.extend(split() if split is not None else [fragment])
    return module.FileSystemDataset(
        pieces[index::count], dataset.schema, dataset.format, dataset.filesystem
    ), None


def _dask_segments(frame, columns, store, shard=None):
    """``(segments by series id, time zone)`` of each partition of a dask
    frame that holds rows.

    Each partition is read into its series' segments inside the graph, and
    the graph is computed once for all of them: computing one partition at a
    time ran everything upstream of it again for each (a shuffled frame read
    its whole source once per partition). Memory holds the segments (the
    series' values, and first stamps and steps), as reading holds them anyway,
    and the partitions being read; with a disk store each task writes its
    partition's values to a file of its own (the store's folder, which the
    workers must share: threads, processes or a local cluster) and memory
    holds the segments' first stamps and steps.
    """
    import dask

    _check_columns(list(frame.columns), columns)
    partitions = frame[columns.names()].to_delayed()
    if shard is not None:  # every count-th partition, from the index-th
        partitions = partitions[shard[0] :: shard[1]]
    read = dask.delayed(_partition_segments, pure=True)
    store = store.for_tasks()  # tasks run at once: a file each
    return [
        segments
        for segments in dask.compute(
            *[read(part, columns, store) for part in partitions]
        )
        if segments[0]
    ]


def _partition_segments(partition, columns, store):
    """``(segments by series id, time zone)`` of one pandas frame, their
    values in ``store``."""
    parts = {}
    zone = _add_chunk(parts, partition, columns) if len(partition) else None
    return store.spill(parts), zone


def _parquet_dataset(path, columns):
    """The Parquet file or folder at ``path``, or an error naming it."""
    pyarrow = import_pyarrow_dataset()
    try:
        # A folder written with partition_cols holds those columns in its
        # folders' names (unique_id=s0/...): read as columns. A file is read
        # as it is, whatever folders it lies in.
        partitioning = "hive" if path.is_dir() else None
        dataset = pyarrow.dataset(path, format="parquet", partitioning=partitioning)
        # Series ids from folders' names keep their string form where pyarrow's
        # integers would change them ("001", "010" read as 1, 10; "1" and "01"
        # as one); folders named by integers as written stay integers.
        keys = getattr(dataset, "partitioning", None)
        keys = None if keys is None else keys.schema
        if keys is not None and columns.id in _folder_keys(dataset):
            field = keys.get_field_index(columns.id)
            if not _is_string(keys.field(field).type) and not _written_as_ints(
                dataset, columns.id
            ):
                keys = keys.set(field, keys.field(field).with_type(_pyarrow().string()))
                dataset = pyarrow.dataset(
                    path,
                    format="parquet",
                    partitioning=pyarrow.partitioning(keys, flavor="hive"),
                )
        return dataset
    except (OSError, ValueError, TypeError) as error:  # pyarrow.ArrowInvalid too
        raise ValueError(
            f"{str(path)!r} is not a Parquet file or a folder of Parquet files "
            f"that can be read: {error}"
        ) from None


def _written_as_ints(dataset, name):
    """Whether every folder name ``name=...`` of a dataset's files is an
    integer as Python writes it (no leading zeros or signs pyarrow drops)."""
    prefix = f"{name}="
    for fragment in dataset.get_fragments():
        for part in pathlib.PurePath(fragment.path).parts:
            if part.startswith(prefix):
                text = urllib.parse.unquote(part[len(prefix) :])
                try:
                    if str(int(text)) != text:
                        return False
                except ValueError:
                    return False
    return True


def _folder_keys(dataset):
    """The names of the columns a dataset reads from its folders' names."""
    partition_keys = import_pyarrow_dataset().get_partition_keys
    for fragment in dataset.get_fragments():
        return set(partition_keys(fragment.partition_expression))
    return set()


def _pyarrow():
    import pyarrow

    return pyarrow


def _checked_dataset(dataset, columns, given=False):
    """A dataset whose every file has the columns of its schema (the first
    file's): no column of a later file silently left unread or read as
    missing values, and the three columns of one kind in every file (no time
    column of integers read as time stamps, no time stamps of one time zone
    shifted into another's, no float values truncated to integers, no integer
    ids read as strings). Types of one kind that differ in width or unit
    (``int32`` and ``int64``, ``float32`` and ``float64``, time stamps in
    microseconds and nanoseconds) are read as the widest, exactly: the
    dataset is then returned with that schema. ``given``: a dataset the user
    built, whose schema may also read integer files' values as floats."""
    get_fragments = getattr(dataset, "get_fragments", None)
    if get_fragments is None:
        return dataset
    partition_keys = import_pyarrow_dataset().get_partition_keys
    roles = {columns.id: "series id", columns.time: "time", columns.target: "value"}
    # column -> [(where, type)]: the dataset's schema first, then each file's
    first = "the dataset's schema" if given else "the dataset's other files"
    types = {name: [(first, dataset.schema.field(name).type)] for name in roles}
    for fragment in get_fragments():
        schema = fragment.physical_schema
        where = getattr(fragment, "path", None) or "a fragment of the dataset"
        names = schema.names + list(partition_keys(fragment.partition_expression))
        try:
            _check_columns(names, columns)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        for name in roles:
            if name in schema.names:  # else in the folders' names
                types[name].append((where, schema.field(name).type))
    schema = dataset.schema
    for name, role in roles.items():
        unified = _one_type(types[name], name, role, given)
        if unified != schema.field(name).type:
            field = schema.get_field_index(name)
            schema = schema.set(field, schema.field(name).with_type(unified))
    if schema.equals(dataset.schema):
        return dataset
    module = import_pyarrow_dataset()
    if not isinstance(dataset, module.FileSystemDataset):
        changed = [n for n in roles if schema.field(n) != dataset.schema.field(n)]
        raise ValueError(
            f"The dataset's files hold its columns {changed!r} as types of other "
            f"widths or units than its schema's ({dataset.schema}): give the "
            "dataset a schema of the widest types."
        )
    return module.FileSystemDataset(
        list(get_fragments()), schema, dataset.format, dataset.filesystem
    )


def _one_type(types, name, role, given=False):
    """The type that reads a column's ``types`` (``(where, type)``, the
    dataset's first) exactly, or a ValueError naming the file whose type is
    of another kind. ``given``: the first is a schema the user chose, which
    may read integers as floats."""
    pyarrow = _pyarrow()
    first_where, first = types[0]
    kind = _column_kind(first)
    for where, arrow_type in types[1:]:
        other = _column_kind(arrow_type)
        if other == kind or (given and (kind[0], other[0]) == ("floats", "integers")):
            continue
        if role == "time" and kind[0] == other[0] == "time stamps":
            zones = sorted({str(_column_kind(t)[1]) for _, t in types})
            raise ValueError(
                f"The time column {name!r} holds time stamps of several time "
                f"zones ({zones!r}) across its files or partitions: {where} holds "
                f"{arrow_type}, {first_where} {first}. Convert them to one."
            )
        raise ValueError(
            f"{where}: its {role} column {name!r} holds {arrow_type}, "
            f"{first_where} {first}: write them with one type."
        )
    distinct = {arrow_type for _, arrow_type in types}
    if len(distinct) == 1 or given and kind[0] == "floats":
        return first
    if kind[0] == "integers":
        return pyarrow.int64()
    if kind[0] == "floats":
        return pyarrow.float64()
    if kind[0] == "strings":
        return pyarrow.large_string()
    if kind[0] == "time stamps":
        units = [getattr(t, "unit", "ms") for t in distinct]
        unit = max(units, key=["s", "ms", "us", "ns"].index)
        return pyarrow.timestamp(unit, tz=kind[1])
    where, arrow_type = next((w, t) for w, t in types if t != first)
    raise ValueError(
        f"{where}: its {role} column {name!r} holds {arrow_type}, "
        f"{first_where} {first}: write them with one type."
    )


def _column_kind(arrow_type):
    """What an Arrow type of a column holds, whatever its width or unit:
    ``(kind, time zone)``."""
    pyarrow = _pyarrow()
    if pyarrow.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pyarrow.types.is_timestamp(arrow_type):
        return ("time stamps", arrow_type.tz)
    if pyarrow.types.is_date(arrow_type):
        return ("time stamps", None)
    if pyarrow.types.is_integer(arrow_type):
        return ("integers", None)
    if pyarrow.types.is_floating(arrow_type):
        return ("floats", None)
    if _is_string(arrow_type):
        return ("strings", None)
    return (str(arrow_type), None)


def _is_string(arrow_type):
    types = _pyarrow().types
    return (
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or getattr(types, "is_string_view", lambda _: False)(arrow_type)
    )


def _scan_options(dataset):
    """Parquet's scan options without pre-buffering (None for other formats)."""
    module = import_pyarrow_dataset()
    if isinstance(getattr(dataset, "format", None), module.ParquetFileFormat):
        return module.ParquetFragmentScanOptions(pre_buffer=False)
    return None


def _check_columns(available, columns):
    for role, name in (
        ("series id", columns.id),
        ("time", columns.time),
        ("value", columns.target),
    ):
        if name not in available:
            parameter = {"series id": "id_col", "time": "time_col"}.get(
                role, "target_col"
            )
            raise ValueError(
                f"The panel has no {role} column {name!r} (set {parameter} to "
                f"name it); its columns are {list(available)!r}."
            )
    # Never a column silently left unread: covariates are not read from a
    # source (pandas' stored index, "__index_level_0__", is no column of data).
    extra = [
        name
        for name in available
        if name not in columns.names() and not _PANDAS_INDEX.fullmatch(str(name))
    ]
    if extra:
        raise ValueError(
            f"The panel has the columns {extra!r} beside its series id, time and "
            f"value columns {columns.names()!r} (id_col, time_col, target_col): "
            "covariates are not read from Parquet, Arrow or dask. Pass the panel as "
            "a pandas DataFrame indexed by (series id, time) whose other columns "
            "are the covariates, or leave those columns out (e.g. "
            f"frame[{columns.names()!r}] for a dask DataFrame)."
        )


def read_source(
    data, columns, known_ids=None, allow_empty=False, store=None, shared=None
):
    """Read a panel source into a :class:`SourcePanel`, chunk by chunk.

    ``known_ids``: the series a fitted forecaster knows (None in a fresh fit);
    a source naming any other is refused, naming them. ``allow_empty``: a
    source without rows is a panel of no series (new observations of an
    ``update``), not an error. ``store``: where the values are held
    (:mod:`~skrnn._forecasting.value_store`; None: in memory). A disk store
    takes each chunk's values as it is read, so that memory holds a chunk, the
    series being joined and the series' small objects, not the panel.
    ``shared``: a :class:`skrnn._workers.SharedReading` -- this worker reads
    its shard of the source into ``store`` (a disk store in the workers'
    shared folder) and the workers exchange what they read: every worker
    returns the whole panel.

    A series' rows are kept per chunk as its values and, where its time stamps
    are evenly spaced (every Parquet file of a regular panel), their first
    stamp and step only: no 8 bytes a value of time stamps are held. The
    series' pandas indexes are then views of one index per time step
    (:func:`_grid_indexes`): series that start at other times or have other
    lengths hold their own index object, not their own time stamps.

    Raises
    ------
    ValueError
        If a column is missing, a series id is missing, or a series has
        missing or infinite values, repeated time stamps or an irregular time
        axis; the message names the series and the column.
    """
    store = MemoryStore() if store is None else store
    try:
        return _read_source(data, columns, known_ids, allow_empty, store, shared)
    finally:
        if shared is None:
            store.close()  # a disk store's files removed, on errors too
        else:
            shared.finish(store)


def _read_source(data, columns, known_ids, allow_empty, store, shared):
    short = known_ids is not None  # new observations: 1 or 2 stamps may do
    parts = {}  # series id -> list of _Segment, in reading order
    zones = {}  # the time column's time zone by name (None: time-zone-free)
    if shared is None:
        _read_chunks(parts, zones, _chunk_segments(data, columns, store))
    else:
        _read_shards(parts, zones, data, columns, store, shared)
    if len(zones) > 1:
        raise ValueError(
            f"The time column {columns.time!r} holds time stamps of several time "
            f"zones ({sorted(map(str, zones))!r}) across its files or partitions: "
            "convert them to one."
        )
    zone = next(iter(zones.values())) if zones else None
    if not parts:
        if allow_empty:
            return SourcePanel(source_kind(data), [], [], [], columns)
        raise ValueError("The panel holds no series.")
    if known_ids is not None:
        known = set(known_ids)
        unknown = [_plain(i) for i in _sorted(parts) if _plain(i) not in known]
        if unknown:
            raise ValueError(
                f"The panel names series the forecaster was not fitted on: "
                f"{unknown[:10]!r}{' ...' if len(unknown) > 10 else ''}."
            )
    ids, values, indexes = [], [], []
    grids = {}  # position -> (series id, its regular grid), indexed afterwards
    for key in _sorted(parts):
        segments = parts.pop(key)  # each series' chunks freed once joined
        series_id = _plain(key)  # named as the user wrote it, not np.int64(...)
        # Stamps of a time zone: each series' own index (a day is not 24 hours
        # across a change of daylight saving time).
        grid = None if zone is not None else _regular_grid(segments)
        index = None
        if grid is None:  # irregular, unsorted or repeated: sorted and checked
            times = np.concatenate([segment.stamps() for segment in segments])
            series = np.concatenate([store.get(segment.values) for segment in segments])
            order = np.argsort(times, kind="stable")
            times, series = times[order], series[order]
            _check_series(series_id, times, columns)
            series = store.put(series)
            # Rows out of order on a regular grid, or on a calendar (months):
            if zone is None:
                grid = _sorted_grid(times) or _calendar_grid(times)
            if grid is None:
                index = _time_index(series_id, times, columns, short, zone)
            else:
                grids[len(ids)] = (series_id, grid)
        else:
            segments = sorted(segments, key=lambda segment: segment.start)
            if len(segments) == 1:
                series = store.get(segments[0].values)
            else:
                series = np.concatenate([store.get(s.values) for s in segments])
                series = store.put(series)
            grids[len(ids)] = (series_id, grid)
        del segments
        ids.append(series_id)
        values.append(series)  # a disk store's joined series: their slots
        indexes.append(index)
    values = [store.get(series).reshape(-1, 1) for series in values]
    for position, index in _grid_indexes(grids, columns, short).items():
        indexes[position] = index
    _release_arrow_memory()
    return SourcePanel(source_kind(data), ids, values, indexes, columns)


def _read_chunks(parts, zones, chunks):
    """Add each chunk's segments to ``parts`` and its time zone to ``zones``."""
    for segments, zone in chunks:
        for key, more in segments.items():
            parts.setdefault(key, []).extend(more)
        zones.setdefault(None if zone is None else str(zone), zone)


def _read_shards(parts, zones, data, columns, store, shared):
    """Read this worker's shard, then add every worker's segments (in worker
    order) to ``parts`` and time zones to ``zones``. An error reading any
    shard is raised by every worker."""
    mine, my_zones, error = {}, {}, None
    try:
        shard = (shared.index, shared.count)
        _read_chunks(mine, my_zones, _chunk_segments(data, columns, store, shard))
        store.seal()  # complete: the other workers map it
    except Exception as caught:  # noqa: BLE001 -- every worker raises it below
        error = caught
    failed = None  # sent as text: any error pickles
    if error is not None:
        failed = (isinstance(error, OSError), f"{type(error).__name__}: {error}")
        mine, my_zones = {}, {}
    gathered = shared.gather((mine, my_zones, failed))
    if error is not None:
        raise error
    for worker, (segments, worker_zones, failed) in enumerate(gathered):
        if failed is not None:
            is_os_error, message = failed
            kind = OSError if is_os_error else ValueError
            raise kind(f"Worker {worker} could not read its shard: {message}")
        for key, more in segments.items():
            parts.setdefault(key, []).extend(more)
        for name, zone in worker_zones.items():
            zones.setdefault(name, zone)


def _chunk_segments(data, columns, store, shard=None):
    """``(segments by series id, time zone)`` of each chunk of a source that
    holds rows (a record batch, a dask partition), their values in ``store``;
    ``shard``: ``(index, count)``, the chunks of one worker of several."""
    if _is_dask_frame(data):
        yield from _dask_segments(data, columns, store, shard)
        return
    for chunk in source_chunks(data, columns, shard):
        yield _partition_segments(chunk, columns, store)


def _grid_indexes(grids, columns, short=False):
    """The pandas index of each series on a regular grid, by its position.

    ``grids`` maps a position to ``(series id, (dtype, first stamp, step,
    length))``, the step in nanoseconds (or integers) or a calendar frequency
    (a pandas offset: months, quarters, years, business days). Series whose
    grids share a time dtype and a step, and whose first stamps lie a whole
    number of steps apart, get slices of one index spanning them all: views
    of its time stamps, so a panel of series that start at other times and
    have other lengths holds one index's stamps, not 8 bytes of stamps a
    value (20,000 series of 200-1,000 hourly steps: 120 MB of indexes
    before). The spanning index is built only where it is no longer than the
    series' indexes would be together; otherwise (series far apart
    in time) and for one-row series each distinct grid gets its own index.
    Series of one grid share one index object (indexes are immutable).
    ``short``: grids of new observations, where one or two stamps may do
    (:func:`~skrnn._forecasting.series.series_index`).
    """
    groups = {}  # (dtype, step, phase) -> positions
    own = {}  # grid -> its own index, shared by the series of that grid
    built = {}

    def own_index(position):
        series_id, grid = grids[position]
        if grid not in own:
            dtype, start, step, length = grid
            if step is None or isinstance(step, int):
                stamps = _grid_stamps(*grid)
            else:
                first = _timestamp(dtype, start)
                stamps = pd.date_range(first, periods=length, freq=step)
                stamps = stamps.to_numpy().astype(dtype)
            own[grid] = _time_index(series_id, stamps, columns, short)
        return own[grid]

    for position, (_, (dtype, start, step, _)) in grids.items():
        if step is None:  # one row: no step to share
            built[position] = own_index(position)
        elif isinstance(step, int):
            groups.setdefault((dtype, step, start % step), []).append(position)
        else:  # a calendar frequency: its stamps say where a series lies
            groups.setdefault((dtype, step, None), []).append(position)
    for (dtype, step, _), positions in groups.items():
        spanning = _spanning_index([grids[p] for p in positions], dtype, step, columns)
        views = {}  # one view per grid: series of one grid share it
        for position in positions:
            where = None if spanning is None else _place(spanning, grids[position][1])
            if where is None:
                built[position] = own_index(position)
                continue
            if where not in views:
                views[where] = spanning[where[0] : where[0] + where[1]]
            built[position] = views[where]
    return built


def grid_indexes(grids, name):
    """:func:`_grid_indexes` of time stamps in a time index named ``name``
    (a long pandas panel's, read at once)."""
    return _grid_indexes(grids, LongColumns(time=name))


def shared_indexes(ids, indexes):
    """``indexes`` (of the series ``ids``), those on a regular or calendar
    grid replaced by views of one index per time step and name, as
    :func:`read_source` makes them: for an ``update`` (which appends to each
    series' index, copying it) and a forecaster loaded from a
    file or a pickle (each series' index rebuilt on its own). A view replaces
    an index only if it equals it, frequency and name included; other indexes
    are returned as they are."""
    by_name = {}  # index name -> {position: (series id, grid)}
    for position, (series_id, index) in enumerate(zip(ids, indexes, strict=True)):
        if (
            isinstance(index, pd.DatetimeIndex)
            and index.freq is not None
            and index.tz is None
            and len(index) > 2  # the frequency of fewer is not inferred again
        ):
            stamps = index.asi8  # evenly spaced, or on a calendar, as read_source's
            step = _even_step(stamps) or index.freq
            grid = (index.dtype, int(stamps[0]), step, len(index))
            by_name.setdefault(index.name, {})[position] = (series_id, grid)
    shared = list(indexes)
    for name, grids in by_name.items():
        for position, view in _grid_indexes(grids, LongColumns(time=name)).items():
            index = indexes[position]
            if (
                view.dtype == index.dtype
                and view.freq == index.freq
                and view.name == index.name
                and view.equals(index)
            ):
                shared[position] = view
    return shared


def _spanning_index(grids, dtype, step, columns):
    """One index from the first stamp of ``grids`` (``(series id, grid)``) to
    their last, or None where it would be longer than their indexes together
    or cannot be built."""
    first = min(grid[1] for _, grid in grids)
    total = sum(grid[3] for _, grid in grids)
    if isinstance(step, int):
        end = max(grid[1] + grid[3] * step for _, grid in grids)
        if (end - first) // step > total:
            return None
        stamps = _grid_stamps(dtype, first, step, (end - first) // step)
    else:
        last = max(_calendar_stamps(dtype, *grid[1:])[-1] for _, grid in grids)
        stamps = pd.date_range(_timestamp(dtype, first), last, freq=step)
        if len(stamps) > total:
            return None
        stamps = stamps.to_numpy().astype(dtype)
    try:
        return _time_index(grids[0][0], stamps, columns)
    except ValueError:  # each series' own index names its problem
        return None


def _place(spanning, grid):
    """``(position, length)`` of ``grid``'s stamps in ``spanning``, or None."""
    dtype, start, step, length = grid
    if isinstance(step, int):
        position = (start - _stamp_at(spanning, 0)) // step
    else:
        first, last = _calendar_stamps(dtype, start, step, length)
        position = int(spanning.searchsorted(first))
        if position + length > len(spanning) or spanning[position + length - 1] != last:
            return None
    if _stamp_at(spanning, position) != start:
        return None
    return position, length


def _stamp_at(index, position):
    """The stamp at ``position`` of an index as an int (in the index's unit)."""
    if isinstance(index, pd.DatetimeIndex):
        return int(index.asi8[position])
    return int(index[position])


def _timestamp(dtype, stamp):
    """An integer stamp of a datetime64 dtype as a Timestamp."""
    return pd.Timestamp(np.int64(stamp).view(dtype))


def _calendar_stamps(dtype, start, freq, length):
    """The first and last stamps of a calendar grid, as Timestamps."""
    first = _timestamp(dtype, start)
    return first, first + (length - 1) * freq


class _Segment:
    """A series' rows of one chunk: its values and either its time stamps or,
    evenly spaced, the first stamp and the step (None for one row)."""

    __slots__ = ("dtype", "start", "step", "values", "times")

    def __init__(self, times, values):
        self.dtype, self.values = times.dtype, values
        stamps = times.view(np.int64)
        self.start, self.step, self.times = int(stamps[0]), None, None
        if len(stamps) > 1:
            self.step = _even_step(stamps)
            if self.step is None:
                self.times = times

    def stamps(self):
        if self.times is not None:
            return self.times
        return _grid_stamps(self.dtype, self.start, self.step, len(self.values))


def _grid_stamps(dtype, start, step, length):
    """The time stamps of a regular grid, as the column's dtype."""
    stamps = start + (step or 0) * np.arange(length, dtype=np.int64)
    return stamps.view(dtype)


def _regular_grid(segments):
    """``(dtype, first stamp, step, length)`` of a series whose chunks lie on
    one regular grid, in any order; None otherwise (irregular, repeated)."""
    first = segments[0]
    if any(s.times is not None or s.dtype != first.dtype for s in segments):
        return None
    if len(segments) == 1:
        return (first.dtype, first.start, first.step, len(first.values))
    segments = sorted(segments, key=lambda segment: segment.start)
    steps = {s.step for s in segments if s.step is not None}
    if len(steps) > 1:
        return None
    step = steps.pop() if steps else segments[1].start - segments[0].start
    if step <= 0:
        return None
    for before, after in zip(segments, segments[1:], strict=False):
        if after.start != before.start + len(before.values) * step:
            return None
    length = sum(len(s.values) for s in segments)
    return (first.dtype, segments[0].start, step, length)


def _even_step(stamps):
    """The step of increasing, evenly spaced integer stamps (two at least),
    else None."""
    steps = np.diff(stamps)
    if len(steps) and steps[0] > 0 and np.all(steps == steps[0]):
        return int(steps[0])
    return None


def _sorted_grid(times):
    """``(dtype, first stamp, step, length)`` of sorted time stamps that are
    evenly spaced, else None."""
    stamps = times.view(np.int64)
    step = _even_step(stamps)
    return None if step is None else (times.dtype, int(stamps[0]), step, len(stamps))


def _calendar_grid(times):
    """``(dtype, first stamp, frequency, length)`` of sorted time stamps on a
    calendar frequency that is not a fixed number of nanoseconds (months,
    quarters, years, business days), else None."""
    if times.dtype.kind != "M" or len(times) < 3:
        return None
    freq = _infer_freq(pd.DatetimeIndex(times))
    if freq is None:
        return None
    return (times.dtype, int(times.view(np.int64)[0]), freq, len(times))


def _release_arrow_memory():
    """Hand the record batches' freed memory back to the system (Arrow's
    allocator keeps it for later batches otherwise)."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()


def _sorted(ids):
    """Series ids in sorted order (whatever the files' or partitions' order),
    or in reading order when they do not sort."""
    try:
        return sorted(ids)
    except TypeError:
        return list(ids)


def _value_dtype(column):
    return np.float32 if column.dtype == np.float32 else np.float64


def _add_chunk(parts, chunk, columns):
    ids = chunk[columns.id]
    if ids.isna().any():
        raise ValueError(f"The series id column {columns.id!r} has missing values.")
    time = chunk[columns.time]
    missing = time.isna().to_numpy()
    if missing.any():
        series_id = _plain(ids.iloc[int(np.argmax(missing))])
        raise ValueError(
            f"Series {series_id!r} has a missing value in the time column "
            f"{columns.time!r} (NaT or null): give every row its time, or drop "
            "the rows without one first."
        )
    dtype = numpy_time_dtype(time.dtype)  # pyarrow-backed (dtype_backend="pyarrow")
    if dtype is not None:
        time = time.astype(dtype)
    value = chunk[columns.target]
    if not (pd.api.types.is_numeric_dtype(value) and not value.dtype == bool):
        raise ValueError(
            f"The value column {columns.target!r} must be numeric; got {value.dtype}."
        )
    values = value.to_numpy(dtype=_value_dtype(value), na_value=np.nan)
    # Every value is checked here, a chunk at a time (the first bad row's
    # series named), so the series need no check once joined.
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise _not_finite(_plain(ids.iloc[bad[0]]), columns)
    times = _times(time, columns)
    codes, uniques = pd.factorize(ids, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for rows in np.split(order, bounds):
        series_id = uniques[codes[rows[0]]]
        parts.setdefault(series_id, []).append(_Segment(times[rows], values[rows]))
    return getattr(time.dtype, "tz", None)


def numpy_time_dtype(dtype):
    """The NumPy-backed pandas dtype of a pyarrow-backed time column's
    ``dtype`` (time stamps in their unit and time zone, dates as time stamps,
    integers as ``int64``), or None for any other dtype."""
    arrow_type = getattr(dtype, "pyarrow_dtype", None)
    if arrow_type is None:
        return None
    types = _pyarrow().types
    if types.is_timestamp(arrow_type):
        if arrow_type.tz is None:
            return np.dtype(f"datetime64[{arrow_type.unit}]")
        return pd.DatetimeTZDtype(arrow_type.unit, arrow_type.tz)
    if types.is_date(arrow_type):
        return np.dtype("datetime64[ms]")
    if types.is_integer(arrow_type):
        return np.dtype(np.int64)
    return None


def _times(column, columns):
    """The time column's stamps (in UTC where they have a time zone) or integers."""
    if pd.api.types.is_datetime64_any_dtype(column):
        if getattr(column.dtype, "tz", None) is not None:
            column = column.dt.tz_convert(None)
        return column.to_numpy(dtype="datetime64[ns]")
    if pd.api.types.is_integer_dtype(column) and not column.isna().any():
        return column.to_numpy(dtype=np.int64)
    raise ValueError(
        f"The time column {columns.time!r} must hold time stamps or integers "
        f"without missing values; got {column.dtype}."
    )


def _not_finite(series_id, columns):
    return ValueError(
        f"Series {series_id!r} has missing or infinite values in column "
        f"{columns.target!r}: fill or drop them first."
    )


def _check_series(series_id, times, columns):
    repeated = np.flatnonzero(times[1:] == times[:-1])
    if len(repeated):
        raise ValueError(
            f"Series {series_id!r} has repeated time stamps in column "
            f"{columns.time!r} (first: {times[repeated[0]]}); each (series, time) "
            "must appear once."
        )


class _Indexed:
    def __init__(self, index):
        self.index = index


def _time_index(series_id, times, columns, short=False, zone=None):
    index = pd.Index(times, name=columns.time)
    if zone is not None:  # UTC stamps, shown in their time zone
        index = index.tz_localize("UTC").tz_convert(zone)
    try:
        result = series_index(_Indexed(index), short=short)
        if result is None:  # a time column is a time axis: integers not on steps
            raise ValueError(
                "its integer steps are not evenly spaced (steps missing, repeated "
                "or out of order)."
            )
        return result
    except ValueError as error:
        raise ValueError(
            f"Series {series_id!r}, column {columns.time!r}: {error}"
        ) from None


def _plain(value):
    """A NumPy scalar id as the Python value (ids compare and print plainly)."""
    return value.item() if isinstance(value, np.generic) else value


# ------------------------------------------------------------------ output
def long_frame(columns, ids, results, indexes):
    """Per-series results in the long format: (id, time, value columns...).

    ``results[i]`` is a 1-D array (a forecast: the value column) or a
    DataFrame (intervals, quantiles: its columns); ``indexes[i]`` its times.
    The columns are joined as arrays, not as one frame per series (a million
    series' frames took over 10 GB before they were concatenated).
    """
    times = [np.asarray(index) for index in indexes]
    frames = [isinstance(result, pd.DataFrame) for result in results]
    names = {
        tuple(r.columns)
        for r, is_frame in zip(results, frames, strict=True)
        if is_frame
    }
    if (
        len({t.dtype for t in times}) > 1
        or len(names) > 1
        or 0 < sum(frames) < len(frames)
    ):
        return _long_frame_per_series(columns, ids, results, times)
    lengths = [len(t) for t in times]
    data = {
        # ids typed as pandas infers them, repeated by numpy (pandas' repeat of a
        # string column took 4 s and 150 MB for 100,000 series of 24 forecasts)
        columns.id: np.repeat(pd.Series(list(ids)).to_numpy(), lengths),
        columns.time: np.concatenate(times) if times else np.array([]),
    }
    if names:
        for name in names.pop():
            data[name] = np.concatenate([result[name].to_numpy() for result in results])
    else:
        data[columns.target] = np.concatenate([np.asarray(r) for r in results])
    return pd.DataFrame(data)


def _long_frame_per_series(columns, ids, results, times):
    """:func:`long_frame` one frame per series, for results or times of
    different kinds (pandas decides the joined columns' types)."""
    frames = []
    for series_id, result, stamps in zip(ids, results, times, strict=True):
        if isinstance(result, pd.DataFrame):
            frame = result.reset_index(drop=True)
        else:
            frame = pd.DataFrame({columns.target: np.asarray(result)})
        frame.insert(0, columns.time, stamps)
        frame.insert(0, columns.id, series_id)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def as_kind(frame, kind):
    """A long pandas frame as the kind of source it answers (dask stays dask)."""
    if kind != "dask":
        return frame
    import dask.dataframe as dd

    return dd.from_pandas(frame, npartitions=max(1, min(8, len(frame) // 100_000)))


def partition_ids(frame, columns):
    """The series ids of each partition of a dask frame (one pass over the id
    column): a series split over partitions is an error naming it."""
    import dask

    _check_columns(list(frame.columns), columns)
    parts = frame[columns.id].to_delayed()
    per_partition = dask.compute(*[dask.delayed(_unique)(part) for part in parts])
    seen = {}
    for partition, ids in enumerate(per_partition):
        for series_id in ids:
            if series_id in seen:
                raise ValueError(
                    f"Series {_plain(series_id)!r} is split over partitions "
                    f"{seen[series_id]} and {partition} of the dask DataFrame; "
                    f"predict reads each partition on its own: repartition by "
                    f"{columns.id!r} first (e.g. frame.shuffle(on={columns.id!r}))."
                )
            seen[series_id] = partition
    return [_plain(series_id) for series_id in seen]


def _unique(column):
    return list(pd.unique(column))


class _PartitionForecast:
    """``forecast(partition)`` typed like ``meta``, for ``map_partitions``.

    Its dask token is drawn once: a fitted estimator has no deterministic hash,
    and two calls of ``predict`` are two computations.
    """

    def __init__(self, forecast, meta):
        self.forecast, self.meta = forecast, meta
        self.token = uuid.uuid4().hex

    def __call__(self, partition):
        if len(partition) == 0:
            return self.meta
        return self.forecast(partition).astype(self.meta.dtypes.to_dict())

    def __dask_tokenize__(self):
        return ("skrnn-forecast", self.token)


def predict_dask(frame, columns, forecast):
    """Forecasts of a dask frame's series, computed partition by partition.

    ``forecast(pandas_frame)`` forecasts the series of one partition as a long
    frame; every series must lie within one partition (checked first, from
    the id column alone).
    """
    partition_ids(frame, columns)
    meta = source_meta(frame, columns)
    return frame[columns.names()].map_partitions(
        _PartitionForecast(forecast, meta), meta=meta
    )


def source_meta(frame, columns):
    """The empty long frame of a dask source's forecasts (dask's ``meta``)."""
    _check_columns(list(frame.columns), columns)
    time_dtype = frame[columns.time].dtype
    if not pd.api.types.is_datetime64_any_dtype(time_dtype):
        time_dtype = np.int64
    return pd.DataFrame(
        {
            columns.id: pd.Series(dtype=frame[columns.id].dtype),
            columns.time: pd.Series(dtype=time_dtype),
            columns.target: pd.Series(dtype=np.float64),
        }
    )
