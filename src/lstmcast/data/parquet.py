"""Parquet files in and out (pyarrow, the optional extra `pip install 'lstmcast[parquet]'`).

    if is_parquet(path): df = read_parquet(path, where, say)    # typed columns: dates, numbers, text
    write_parquet(frame, path)                                   # a forecast, per-series scores, ...
    text = text_head(df)                                         # the first rows as text, for column finding

A file is Parquet when its name ends in .parquet / .pq or its bytes start with 'PAR1'. Problems raise a
one-line DataError naming the file, the column and its type, and the fix: pyarrow missing, a truncated or
damaged file, a column of a type a forecast cannot use (nested lists, structs, maps, raw bytes).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

SUFFIXES = (".parquet", ".pq")
INSTALL = "pip install 'lstmcast[parquet]' (or pip install pyarrow)"


def is_parquet(path) -> bool:
    """True for a name ending in .parquet / .pq, or a file whose first bytes are Parquet's 'PAR1'."""
    p = Path(str(path))
    if p.suffix.lower() in SUFFIXES:
        return True
    try:
        with open(p, "rb") as f:
            return f.read(4) == b"PAR1"
    except OSError:
        return False


def wants_parquet(path) -> bool:
    """True when an output path names a Parquet file (by its suffix)."""
    return Path(str(path)).suffix.lower() in SUFFIXES


def _pyarrow(where):
    try:
        import pyarrow.parquet  # optional extra: imported only when a Parquet file is used (binds pyarrow)
    except ImportError:
        raise DataError(f"{where}: reading or writing Parquet needs pyarrow; {INSTALL}") from None
    return pyarrow


def check_parquet_writer(path) -> None:
    """A DataError now (before any work) when `path` is a Parquet output and pyarrow is missing."""
    if wants_parquet(path):
        _pyarrow(str(path))


def _plain_type(pa, name, typ, where):
    """The column's type made readable (dictionary -> its values, decimal -> float64, time -> text), or a
    DataError naming the column for a type a forecast cannot use."""
    t = pa.types
    if t.is_dictionary(typ):
        return _plain_type(pa, name, typ.value_type, where)
    if t.is_decimal(typ):
        return pa.float64()
    if t.is_time(typ):
        return pa.string()
    if t.is_large_string(typ):
        return pa.string()
    if t.is_null(typ):
        return pa.float64()
    if t.is_integer(typ) or t.is_floating(typ) or t.is_boolean(typ) or t.is_string(typ) or \
            t.is_timestamp(typ) or t.is_date(typ):
        return typ
    kind = ("nested values" if t.is_nested(typ) else "raw bytes" if t.is_binary(typ) or t.is_large_binary(typ)
            or t.is_fixed_size_binary(typ) else "durations" if t.is_duration(typ) or t.is_interval(typ)
            else "values")
    raise DataError(f"{where}: column {name!r} holds {kind} ({typ}), which lstmcast cannot read; keep "
                    "dates, numbers and text only: write the file without that column (df.drop(columns=["
                    f"{name!r}]).to_parquet(...))")


def read_parquet(path, where: str, say) -> pd.DataFrame:
    """The Parquet file as a frame with typed columns (dates as datetime64, numbers, text as str objects;
    missing text as ''), or a one-line DataError."""
    pa = _pyarrow(where)
    pq = pa.parquet
    p = Path(path)
    if not p.exists():
        raise DataError(f"{where}: no such file")
    if p.is_dir():
        raise DataError(f"{where}: is a directory, expected a Parquet file")
    try:
        table = pq.read_table(p)
    except (pa.ArrowException, OSError, ValueError) as e:
        msg = " ".join(str(e).split())
        raise DataError(f"{where}: not a readable Parquet file ({msg[:200]}): it is truncated or damaged; "
                        "write it again") from None
    if table.num_columns == 0:
        raise DataError(f"{where}: a Parquet file without columns")
    if table.num_rows == 0:
        raise DataError(f"{where}: has columns ({', '.join(table.column_names[:5])}) but no data rows")
    names = [str(n).strip() for n in table.column_names]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise DataError(f"{where}: two columns are named {dup!r}; rename one")
    cols = []
    for name, col in zip(names, table.columns):
        typ = _plain_type(pa, name, col.type, where)
        if typ != col.type:
            try:
                col = col.cast(typ) if not pa.types.is_dictionary(col.type) else \
                    col.cast(col.type.value_type).cast(typ)
            except (pa.ArrowException, ValueError) as e:
                raise DataError(f"{where}: column {name!r} ({col.type}) cannot be read as {typ} ({e})") from None
        cols.append(col)
    table = pa.table(cols, names=names)
    try:
        df = table.to_pandas(date_as_object=False)
    except (pa.ArrowException, ValueError, OverflowError) as e:
        raise DataError(f"{where}: cannot convert the Parquet data ({' '.join(str(e).split())[:200]})") from None
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].fillna("")           # missing text is an empty cell, as in a CSV file
    say(f"{where}: Parquet, {table.num_rows} rows, {table.num_columns} columns")
    df.attrs["parquet"] = True
    return df


def text_head(df: pd.DataFrame, rows: int = 2000) -> pd.DataFrame:
    """The first `rows` rows with every column as text (missing cells ''), as a CSV file would read them:
    the column finders (find_columns) look at these."""
    head = df.iloc[:rows]
    out = {}
    for c in head.columns:
        s = head[c]
        if s.dtype == object:
            out[c] = s.astype(str)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False).fillna("")
        else:
            out[c] = s.astype(object).where(s.notna(), "").astype(str)
    return pd.DataFrame(out, index=head.index)


def strip_text(col: pd.Series, missing=np.nan) -> pd.Series:
    """`col.astype(str).str.strip()` computed once per distinct value (a panel's id column repeats each id
    over its rows); a missing value becomes `missing`."""
    codes, uniq = pd.factorize(col)
    text = np.asarray(pd.Index(uniq, dtype=object).astype(str).str.strip(), dtype=object)
    out = text[np.maximum(codes, 0)] if len(text) else np.full(len(codes), missing, dtype=object)
    if (codes < 0).any():
        out[codes < 0] = missing
    return pd.Series(out, index=col.index, name=col.name)


def id_text(col: pd.Series) -> pd.Series:
    """Series ids as the text a CSV file would hold: '7' for 7 (integers), stripped text."""
    if col.dtype == object:
        return strip_text(col, missing="nan")           # as str(nan): validation names the row
    if pd.api.types.is_float_dtype(col.dtype) and np.all(np.mod(col.dropna().to_numpy(), 1) == 0):
        return col.astype("Int64").astype(str).replace("<NA>", "")
    return col.astype(str)


def write_parquet(frame: pd.DataFrame, path) -> None:
    """frame (without its index) to a Parquet file; a one-line DataError when a column cannot be stored."""
    pa = _pyarrow(str(path))
    try:
        frame.to_parquet(path, index=False, engine="pyarrow")
    except (pa.ArrowException, ValueError, TypeError) as e:
        raise DataError(f"{path}: cannot write Parquet ({' '.join(str(e).split())[:200]})") from None
