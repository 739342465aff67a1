import contextlib
import io

from lstmcast.cli import main


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
