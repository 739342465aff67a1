"""What kind of file a "CSV" really is, before pandas reads it: its compression and text encoding, or a
one-line DataError for what is no text at all (an Excel workbook, a PDF, binary data, NUL bytes).

    kind = sniff_file(path, where, say)      # kind.encoding, kind.compression, kind.head (first lines)

Handled: UTF-8 (with or without a byte-order mark), UTF-16/32 with a byte-order mark, Windows-1252 /
latin-1 text (read as such, with a note), gzip / bz2 / xz / zip compression (by their magic bytes,
whatever the file's name).
"""
from __future__ import annotations

import bz2
import codecs
import contextlib
import csv
import gzip
import lzma
import reprlib
import zipfile
from dataclasses import dataclass

import numpy as np

from ..errors import DataError

HEAD = 1 << 16
# cells read as missing values (lower case): pandas' NA strings and Excel's error values
MISSING_TOKENS = ("", "nan", "-nan", "na", "n/a", "#n/a", "#n/a n/a", "#na", "null", "none", "<na>", "nat",
                  "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan", "#div/0!", "#value!", "#ref!", "#num!", "#name?",
                  "#null!")
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NOT_TEXT = {b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls) or another Office file",
             b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
             b"SQLite format 3": "an SQLite database", b"PAR1": "a Parquet file",
             b"\x89HDF": "an HDF5 file", b"\x93NUMPY": "a NumPy array file"}


@dataclass
class FileKind:
    encoding: str
    compression: str | None
    head: list      # the first complete lines, decoded


@contextlib.contextmanager
def _open(path, compression):
    """The file's (decompressed) bytes as a binary stream, closed with everything it opened."""
    if compression == "zip":
        with zipfile.ZipFile(path) as z, z.open([n for n in z.namelist() if not n.endswith("/")][0]) as f:
            yield f
        return
    opener = {None: open, "gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[compression]
    with opener(path, "rb") as f:
        yield f


def _zip_kind(path, where) -> None:
    """A DataError unless the zip archive holds exactly one file that is not an Office document."""
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"{where}: a damaged zip archive ({e}), not a CSV file") from None
    if any(n.startswith(("xl/", "word/", "ppt/")) or n == "[Content_Types].xml" for n in names):
        what = "an Excel workbook (.xlsx)" if any(n.startswith("xl/") for n in names) else "an Office document"
        raise DataError(f"{where}: is {what}, not a CSV file; save the sheet as CSV (File > Save As > CSV "
                        "UTF-8) and pass that file")
    if len(names) != 1:
        raise DataError(f"{where}: a zip archive of {len(names)} files ({', '.join(names[:3])}"
                        f"{', ...' if len(names) > 3 else ''}); unzip it and pass the CSV file")


def _line_of(path, compression, offset: int) -> int:
    with _open(path, compression) as f:
        return f.read(offset).count(b"\n") + 1


def sniff_file(path, where: str, say) -> FileKind:
    """The file's compression, encoding and first lines; a one-line DataError for non-text files.

    A file that is not UTF-8 but has no NUL bytes is read as Windows-1252 (latin-1 where that fails),
    with a note; NUL bytes anywhere are refused (pandas would silently cut the cell short)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(HEAD)
    except OSError as e:
        raise DataError(f"{where}: cannot read the file ({e.strerror})") from None
    for magic, what in _NOT_TEXT.items():
        if raw.startswith(magic):
            raise DataError(f"{where}: is {what}, not a CSV file; export the data as CSV and pass that file")
    compression = next((c for m, c in _MAGIC.items() if raw.startswith(m)), None)
    if compression == "zip":
        _zip_kind(path, where)
    if compression:
        try:
            with _open(path, compression) as f:
                raw = f.read(HEAD)
        except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as e:
            raise DataError(f"{where}: a damaged {compression} file ({e})") from None
        say(f"{where}: {compression}-compressed, read decompressed")
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), None)
    if encoding is None:
        encoding = _text_encoding(path, compression, raw, where, say)
    text = raw.decode(encoding, errors="replace")
    head = text.splitlines()
    if len(raw) == HEAD and head:
        head = head[:-1]            # the last line may be cut short
    return FileKind(encoding, compression, head)


def _text_encoding(path, compression, raw: bytes, where, say) -> str:
    """'utf-8' when the whole file decodes so; else 'cp1252' (or 'latin-1'), with a note; a DataError
    for NUL bytes (binary data)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    utf8, pos = True, 0
    with _open(path, compression) as f:
        while True:
            chunk = f.read(1 << 20)
            if b"\x00" in chunk:
                at = pos + chunk.index(b"\x00")
                line = _line_of(path, compression, at)
                raise DataError(f"{where}: line {line} holds NUL bytes (byte {at}): binary data, not CSV text; "
                                "the file is damaged, or text in an encoding without a byte-order mark "
                                "(save it as CSV UTF-8)")
            if utf8:
                try:
                    dec.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not chunk:
                break
            pos += len(chunk)
    if utf8:
        return "utf-8"
    try:
        raw.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        enc = "latin-1"
    say(f"{where}: not UTF-8 text; read as {'Windows-1252' if enc == 'cp1252' else 'latin-1'} "
        "(save the file as UTF-8 if its letters look wrong)")
    return enc


SEPS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}
_DECIMAL_COMMA = r"[+-]?\d{1,3}(?:\.\d{3})+,\d*|[+-]?\d*,\d+"


def sniff_sep(lines: list[str], where: str) -> str:
    """The delimiter (',', ';', tab or '|') that splits most of the first lines into the same number of
    fields; ',' for one-column files; a DataError naming --sep when two delimiters fit equally well."""
    lines = [ln for ln in lines if ln.strip()][:30]
    scores = {}
    for sep in (",", ";", "\t", "|"):
        counts = [ln.count(sep) for ln in lines]
        mode = max(set(counts), key=counts.count) if counts else 0
        if mode > 0:
            scores[sep] = (counts.count(mode) / len(counts), mode)
    if not scores:
        return ","
    ranked = sorted(scores, key=lambda k: scores[k], reverse=True)
    if len(ranked) > 1 and scores[ranked[0]][0] == scores[ranked[1]][0] and scores[ranked[0]][0] == 1.0 \
            and {ranked[0], ranked[1]} != {";", ","}:
        names = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
        raise DataError(f"{where}: cannot tell the delimiter ({names[ranked[0]]} or {names[ranked[1]]}); "
                        f"pass --sep {names[ranked[0]]} or --sep {names[ranked[1]]}")
    return ranked[0]


_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def _drop_thousands_commas(df, sep, where, say):
    """Numbers written with thousands commas ('1,234.5', quoted in a ',' file) read as 1234.5, in columns
    whose every other cell is a plain number or empty; in ';' or tab files only with a '.' fraction
    (there '1,234' is a decimal comma)."""
    changed = []
    for c in df.columns:
        if not _has_comma(df[c]):      # both patterns need a comma: a column without one is left at once
            continue
        col = df[c].str.strip()
        pattern = _THOUSANDS if sep == "," else r"[+-]?\d{1,3}(?:,\d{3})+\.\d+"
        th = col.str.fullmatch(pattern)
        if not th.any():
            continue
        plain = col.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?") | \
            col.str.lower().isin(MISSING_TOKENS)
        if (th | plain).all():
            df[c] = col.where(~th, col.str.replace(",", "", regex=False))
            changed.append(c)
    if changed:
        say(f"{where}: thousands separators in column(s) {reprlib.repr(changed)} read as '1,234.5' = 1234.5")


def _has_comma(col) -> bool:
    """Whether any cell of a column of strings holds a ',' (one scan of the joined text, not a regex per cell)."""
    try:
        return "," in "\x00".join(col.tolist())
    except TypeError:              # a cell that is not a string: ask the slow way
        return bool(col.astype(str).str.contains(",", regex=False).any())


def preamble_length(lines: list, sep: str) -> int:
    """How many lines before the header to skip: leading titles (one field), '# comments' and blank lines
    before the first line with the most common field count of the first 50 lines, when that is over one."""
    counts = []
    for ln in lines[:50]:
        try:
            counts.append(len(next(csv.reader([ln], delimiter=sep))) if ln.strip() else 0)
        except (csv.Error, StopIteration):
            counts.append(0)
    full = [c for c in counts if c]
    if not full:
        return 0
    mode = max(set(full), key=full.count)
    if mode < 2 or counts[0] >= mode:
        return 0
    first = next(i for i, c in enumerate(counts) if c >= mode)
    # only titles (one field), comments and blank lines: a header with fewer fields than the rows stays
    if all(c <= 1 or lines[i].lstrip().startswith("#") for i, c in enumerate(counts[:first])):
        return first
    return 0


MAX_LINE = 1 << 20          # bytes in one line (a header of 10,000 long names fits)
MAX_FIELDS = 10_000         # columns of the header
_CHUNK = 1 << 24


def check_bounds(path, kind: FileKind, where: str) -> None:
    """A one-line DataError naming the line and the limit, for a line over MAX_LINE bytes, a header over
    MAX_FIELDS fields, or a big file of one column; read in chunks, so it answers in about a second at any
    file size (pandas would take minutes on a 100 MB line)."""
    line, start, pos, header = 1, 0, 0, None         # start: where the current line began (decompressed bytes)
    with _open(path, kind.compression) as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            ends = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10) + pos
            if header is None:
                header = chunk[:ends[0] - pos] if ends.size else chunk[:MAX_LINE + 1]
                _check_header(header, kind.encoding, where)
            gaps = np.diff(np.r_[start, ends])
            long = np.flatnonzero(gaps > MAX_LINE)
            if long.size or pos + len(chunk) - (ends[-1] + 1 if ends.size else start) > MAX_LINE:
                k = int(long[0]) if long.size else ends.size
                raise DataError(f"{where}: line {line + k} is longer than {MAX_LINE:,} bytes, the longest line "
                                "lstmcast reads: is it a CSV file with one row per line? (a file whose line breaks "
                                "were lost, or binary data)")
            if ends.size:
                line, start = line + ends.size, int(ends[-1]) + 1
            pos += len(chunk)
            if pos > HEAD and header is not None and _one_column(kind.head):
                raise DataError(f"{where}: one column only (no ',', ';', tab or '|' in its first lines, {pos:,}+ "
                                "bytes): lstmcast needs a time column and a value column")


def _check_header(header: bytes, encoding: str, where: str) -> None:
    text = header.decode(encoding if "16" not in encoding and "32" not in encoding else "latin-1", errors="replace")
    fields = max(text.count(c) for c in ",;\t|") + 1
    if fields > MAX_FIELDS:
        raise DataError(f"{where}: line 1 has {fields:,} fields, over the {MAX_FIELDS:,} columns lstmcast reads: a "
                        "wide file (one column per time or series)? write it long: one row per series and time")


def _one_column(head: list) -> bool:
    rows = [h for h in head if h.strip()]
    return bool(rows) and not any(c in h for h in rows for c in ",;\t|")
