"""Interrupts and concurrent writers: a model directory or an output file is complete or absent."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from helpers import write_series

from lstmcast.atomic import atomic_dir, atomic_to_csv, atomic_write_text
from lstmcast.errors import DataError

SRC = os.path.join(os.path.dirname(__file__), "..", "src")
ENV = {**os.environ, "PYTHONPATH": os.path.abspath(SRC)}


def test_atomic_dir_success_and_failure(tmp_path):
    target = tmp_path / "m"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("one")
        assert not target.exists()                       # nothing visible before the end
    assert (target / "a.txt").read_text() == "one"
    with pytest.raises(DataError, match=r"m: already exists; pass --force"):
        with atomic_dir(target):
            pass
    for exc in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(exc):
            with atomic_dir(target, overwrite=True) as tmp:
                (tmp / "a.txt").write_text("two")
                raise exc()
        assert (target / "a.txt").read_text() == "one"   # the old one stands
        assert sorted(os.listdir(tmp_path)) == ["m"]     # no temp folder, no lock file left
    with atomic_dir(target, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("new")
    assert sorted(os.listdir(target)) == ["b.txt"] and sorted(os.listdir(tmp_path)) == ["m"]


def test_atomic_files(tmp_path):
    p = tmp_path / "f.csv"
    atomic_to_csv(p, pd.DataFrame({"a": [1, 2]}), index=False)
    assert p.read_text() == "a\n1\n2\n"
    with pytest.raises(DataError, match=r"f\.csv: already exists"):
        atomic_write_text(p, "x")
    frame = pd.DataFrame({"a": [1]})

    def boom(self, path, **kw):
        open(path, "w").write("partial")
        raise KeyboardInterrupt
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pd.DataFrame, "to_csv", boom)
        with pytest.raises(KeyboardInterrupt):
            atomic_to_csv(tmp_path / "g.csv", frame, index=False)
    assert sorted(os.listdir(tmp_path)) == ["f.csv"]
    with pytest.raises(DataError, match=r"folder .*nowhere.* does not exist"):
        atomic_write_text(tmp_path / "nowhere" / "x.txt", "x")


def test_interrupted_save_leaves_nothing(tmp_path, monkeypatch):
    from lstmcast import Forecaster
    y = pd.Series(100 + np.sin(np.arange(48) / 2) * 10 + np.arange(48),
                  index=pd.date_range("2000-01-01", periods=48, freq="MS"))
    fc = Forecaster(epochs=1, seeds=1, diff=(1,)).fit(y)

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fc.save(tmp_path / "model")
    assert os.listdir(tmp_path) == []


def test_two_writers_one_wins(tmp_path):
    """Process A holds the target while writing; B is refused in one line, then told it exists."""
    target = tmp_path / "m"
    code = textwrap.dedent(f"""
        import sys, time
        from lstmcast.atomic import atomic_dir
        with atomic_dir({str(target)!r}) as tmp:
            (tmp / "who").write_text("A")
            print("inside", flush=True)
            time.sleep(3)
    """)
    a = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=ENV)
    assert a.stdout.readline().strip() == "inside"
    with pytest.raises(DataError, match=r"m: another lstmcast process is writing it right now"):
        with atomic_dir(target) as tmp:
            (tmp / "who").write_text("B")
    assert a.wait(30) == 0
    assert (target / "who").read_text() == "A"
    with pytest.raises(DataError, match=r"m: already exists"):
        with atomic_dir(target):
            pass
    assert sorted(os.listdir(tmp_path)) == ["m"]


# A background parent may ignore SIGINT (then Python keeps ignoring it); the child must not.
CLI = [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
       "from lstmcast.cli import main; sys.exit(main())"]


def _interrupt(p):
    """One Ctrl-C; the process must end within a minute."""
    p.send_signal(signal.SIGINT)
    return p.communicate(timeout=60)


def _wait_for(proc, text, limit=60):
    seen = ""
    t0 = time.time()
    while time.time() - t0 < limit:
        line = proc.stderr.readline()
        seen += line
        if text in line:
            return seen
        if proc.poll() is not None:
            break
    raise AssertionError(seen)


@pytest.mark.slow
def test_ctrl_c_during_fit_leaves_no_model(tmp_path):
    csv = write_series(tmp_path / "s.csv", np.round(100 + 10 * np.sin(np.arange(60) / 2) + np.arange(60), 2))
    p = subprocess.Popen([*CLI, "fit", str(csv), "--model", str(tmp_path / "model"),
                          "--epochs", "3000", "--seeds", "2", "--diff", "1"],
                         stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV)
    _wait_for(p, "training")
    out, err = _interrupt(p)
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "lstmcast: interrupted"
    assert sorted(os.listdir(tmp_path)) == ["s.csv"]


@pytest.mark.slow
def test_ctrl_c_during_forecast_writes_nothing(tmp_path):
    from lstmcast import Forecaster
    y = pd.Series(100 + np.sin(np.arange(48) / 2) * 10 + np.arange(48),
                  index=pd.date_range("2000-01-01", periods=48, freq="h"))
    Forecaster(epochs=1, seeds=2, diff=(1,), strategy="recursive", transform="none").fit(y).save(tmp_path / "m")
    y.rename("y").rename_axis("ds").to_csv(tmp_path / "d.csv")    # no newer rows: only to get a note
    p = subprocess.Popen([*CLI, "forecast", "--model", str(tmp_path / "m"), "--horizon", "200000",
                          "--out", str(tmp_path / "f.csv"), "--data", str(tmp_path / "d.csv")],
                         stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV)
    _wait_for(p, "48 values")
    time.sleep(0.5)
    out, err = _interrupt(p)
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "lstmcast: interrupted"
    assert sorted(os.listdir(tmp_path)) == ["d.csv", "m"]
