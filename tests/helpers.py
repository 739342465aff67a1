import contextlib
import io
import re

import numpy as np

from lstmcast.cli import main

WAVE = np.round(100 + 10 * np.sin(np.arange(48) / 2) + np.arange(48), 2)   # 48 months, trend and cycle


def run_cli(*args):
    """Run `lstmcast ARGS` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:   # argparse's own exits
            code = e.code
    return code, out.getvalue(), err.getvalue()


def write_series(path, values, start="2000-01-01", freq="MS", header="date,value"):
    import pandas as pd
    idx = pd.date_range(start, periods=len(values), freq=freq)
    path.write_text(header + "\n" + "".join(f"{t.date()},{v}\n" for t, v in zip(idx, values)))
    return path


def check_error(code, out, err, pattern):
    """A one-line CLI error: exit 2, the last stderr line 'lstmcast: error: ...' matching `pattern`, the only
    line that mentions an error, no traceback."""
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert [ln for ln in lines if "error" in ln] == lines[-1:] and lines[-1].startswith("lstmcast: error: "), err
    assert "Traceback" not in err
    assert re.search(pattern, lines[-1]), lines[-1]
