"""What a list becomes besides dicts: Arrow tables, DataFrames, files.

The optional packages (pyarrow, pandas, polars) are imported here, on first use, so the base
install needs none of them.
"""

from __future__ import annotations

from typing import Any

from ._native import NativeArrowSink, NativeExport, NativeTable

__all__ = ["NativeArrowSink", "arrow_table", "open_export", "pandas_frame", "polars_frame"]


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError('to_arrow() needs pyarrow: pip install "qualys-cs[arrow]"') from None
    return pyarrow


def arrow_table(table: NativeTable) -> Any:
    """A ``pyarrow.Table`` from the native batches (zero copy, through the Arrow C stream)."""
    return _pyarrow().table(table)


def pandas_frame(table: NativeTable, nested: str = "arrow") -> Any:
    """The table as a DataFrame. Scalar columns become NumPy columns (times ``datetime64[ms, UTC]``);
    list and struct columns (``repo``, ``layers``, ``softwares``, ``vulnerabilities``) stay
    Arrow-backed (``pd.ArrowDtype``) with ``nested="arrow"``: no Python object per element, a
    fraction of the memory, and ``explode``, ``.list`` and ``.struct`` work on them. ``nested="python"``
    gives object columns of lists and dicts instead."""
    try:
        import pandas
    except ImportError:
        raise ImportError('to_pandas() needs pandas and pyarrow: pip install "qualys-cs[pandas]"') from None
    if nested not in ("arrow", "python"):
        raise ValueError(f"nested: must be 'arrow' or 'python', got {nested!r}")
    pa = _pyarrow()

    def mapper(t: Any) -> Any:
        return pandas.ArrowDtype(t) if nested == "arrow" and pa.types.is_nested(t) else None

    # split_blocks and self_destruct: each column is converted on its own and its Arrow buffers are
    # released as it is, so the peak stays near the DataFrame's size instead of twice it.
    return arrow_table(table).to_pandas(types_mapper=mapper, split_blocks=True, self_destruct=True)


def polars_frame(table: NativeTable) -> Any:
    try:
        import polars
    except ImportError:
        raise ImportError('to_polars() needs polars: pip install "qualys-cs[polars]"') from None
    # polars reads the Arrow C stream itself: pyarrow is not needed.
    return polars.DataFrame(table)


class _ParquetExport:
    """``to_parquet``: each page's record batch (built in Rust) written by pyarrow's Parquet writer
    as it arrives, so memory holds one page."""

    def __init__(self, path: str, schema: str) -> None:
        pa = _pyarrow()
        import pyarrow.parquet as pq

        self._schema_name = schema
        empty = NativeArrowSink(schema).finish()
        self._writer = pq.ParquetWriter(path, pa.schema(empty), compression="snappy")
        self._count = 0

    def push(self, page: Any) -> None:
        sink = NativeArrowSink(self._schema_name)
        sink.push(page)
        table = _pyarrow().table(sink.finish())
        self._writer.write_table(table)
        self._count += table.num_rows

    def finish(self) -> int:
        self._writer.close()
        return self._count

    def abort(self) -> None:
        self._writer.close()


def open_export(kind: str, path: str, schema: str) -> NativeExport | _ParquetExport:
    if kind == "parquet":
        return _ParquetExport(path, schema)
    return NativeExport(kind, path, schema)
