"""lstmcast's errors: each message is one line for the user; the CLI prints it and exits 2."""
import numpy as np


class LstmcastError(ValueError):
    """Base of the errors the CLI reports as `lstmcast: error: <message>`."""


class DataError(LstmcastError):
    """Bad input: a file, a column, a value, a model directory, a parameter."""


class UsageError(LstmcastError):
    """A bad combination of command-line arguments."""


def assert_finite(obj, what: str):
    """Raise a one-line DataError if a frame, series or array holds NaN or +-inf; return `obj` otherwise.

        assert_finite(forecast_frame, "forecast")   # before writing it
    Names the first offending column, row (and its `ds`, when the frame has one) and value.
    """
    cols = getattr(obj, "columns", None)
    if cols is None:
        a = np.asarray(obj)
        if a.dtype.kind not in "fc":
            return obj
        bad: np.ndarray = np.argwhere(~np.isfinite(a))
        if bad.size:
            at = tuple(int(i) for i in bad[0])
            raise DataError(f"{what}: non-finite value {a[at]} at index {at[0] if len(at) == 1 else at} "
                            f"({len(bad)} of {a.size}); nothing was written")
        return obj
    for c in cols:
        col = obj[c]
        if col.dtype.kind not in "fc":
            continue
        v = col.to_numpy()
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            i = int(bad[0])
            when = f" ({obj['ds'].iloc[i]})" if "ds" in cols and c != "ds" else ""
            raise DataError(f"{what}: non-finite value {v[i]} in column {c!r}, row {i}{when} "
                            f"({bad.size} of {len(v)}); nothing was written")
    return obj


def one_line(msg) -> str:
    """A message as one printable line: control characters (newlines from a file name...) escaped."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(msg))
