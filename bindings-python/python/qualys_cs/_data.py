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


def pandas_frame(table: NativeTable) -> Any:
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise ImportError('to_pandas() needs pandas and pyarrow: pip install "qualys-cs[pandas]"') from None
    return arrow_table(table).to_pandas()


def polars_frame(table: NativeTable) -> Any:
    try:
        import polars
    except ImportError:
        raise ImportError('to_polars() needs polars: pip install "qualys-cs[polars]"') from None
    # polars reads the Arrow C stream itself: pyarrow is not needed.
    return polars.DataFrame(table)


def open_export(kind: str, path: str, schema: str) -> NativeExport:
    return NativeExport(kind, path, schema)
