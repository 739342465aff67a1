"""Every flag of every command, with bad values: exit 2 and one line, or (for a value that parses) the
command reaching its heavy work; never a traceback, exit 1 or a hang.

Generic over `lstmcast.cli.build_parser()`: the subcommands and their actions are read from the parser,
so flags added later are walked too. The heavy work (training, backtests, forecasting) is replaced by a
sentinel, so each case costs milliseconds; what runs before it (data loading, model loading, checks) runs.
"""
import argparse
import contextlib
import io
import signal

import numpy as np
import pytest
from helpers import write_series
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcast.cli import build_parser, main

NASTY = ["", " ", "-1", "0", "-0", "1e400", "-1e400", "nan", "NaN", "inf", "-inf", "1.5", "0.0001",
         "99999999999999999999999", "-99999999999999999999", "2147483648", "1e9", "abc", "auto", "none",
         "\x00", "a\x00b", "\ud800", "x" * 5000, "a/" * 3000, "1,2,,-3", ",", "0x10", "1_000", "१२"]


class ReachedWork(Exception):
    """The command got past parsing, validation and its pre-work checks."""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from lstmcast import Forecaster
    d = tmp_path_factory.mktemp("walk")
    csv = write_series(d / "s.csv", np.round(100 + 10 * np.sin(np.arange(48) / 2) + np.arange(48), 2))
    import pandas as pd
    y = pd.Series(np.arange(48.0) + 10, index=pd.date_range("2000-01-01", periods=48, freq="MS"))
    Forecaster(epochs=1, seeds=1, diff=(1,)).fit(y).save(d / "model")
    return d, csv


@pytest.fixture
def no_heavy_work(monkeypatch):
    import sys

    import lstmcast.cli.evaluate
    import lstmcast.evaluate.backtest
    import lstmcast.fit.fitting
    import lstmcast.models.lstm_calls
    import lstmcast.tutorial
    from lstmcast import Forecaster
    from lstmcast.report.plot_worker import FigureWorker

    def stop(*a, **k):
        raise ReachedWork
    for name in ("train_local", "train_global", "train_local_val"):   # after the resource plan
        monkeypatch.setattr(lstmcast.models.lstm_calls, name, stop)
    monkeypatch.setattr(lstmcast.fit.fitting, "choose_diffs", stop)
    monkeypatch.setattr(lstmcast.fit.fitting, "choose_scope", stop)
    monkeypatch.setattr(Forecaster, "forecast", stop)
    monkeypatch.setattr(sys.modules["lstmcast.evaluate.backtest"], "backtest", stop)   # the package's
    monkeypatch.setattr(lstmcast.evaluate, "backtest", stop)        # name `backtest` is the function
    monkeypatch.setattr(lstmcast.cli.evaluate, "backtest", stop)    # and where the command calls it
    monkeypatch.setattr(lstmcast.tutorial, "run_framing", stop)
    monkeypatch.setattr(lstmcast.tutorial, "warm_framings", stop)
    monkeypatch.setattr(FigureWorker, "start", staticmethod(stop))   # the tutorial's first work


def _commands():
    p = build_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


COMMANDS = _commands()


def _good(cmd, dest, d, csv):
    """A valid value for each required argument (a new required flag must be added here)."""
    table = {"data": str(csv), "horizon": "3",
             "model": str(d / "new-model") if cmd == "fit" else str(d / "model"), "out": str(d / "out-folder")}
    return table[dest]


def _base(cmd, d, csv, skip=None):
    """Required arguments plus fast settings, without the action under test."""
    args = []
    for act in COMMANDS[cmd]._actions:
        if act is skip or not (act.required or (not act.option_strings and act.nargs is None)):
            continue
        v = _good(cmd, act.dest, d, csv)
        args += [v] if not act.option_strings else [act.option_strings[0], v]
    flags = {s for a in COMMANDS[cmd]._actions for s in a.option_strings}
    skip_flags = set(skip.option_strings) if skip else set()
    for flag, v in (("--epochs", "1"), ("--seeds", "1"), ("--diff", "1"), ("--quiet", None)):
        if flag in flags and flag not in skip_flags:
            args += [flag] + ([v] if v else [])
    return args


def _walkable():
    out = []
    for cmd, parser in COMMANDS.items():
        for act in parser._actions:
            if isinstance(act, (argparse._HelpAction, argparse._VersionAction)):
                continue
            out.append((cmd, act))
    return out


WALK = _walkable()


def _alarm(signum, frame):
    raise TimeoutError("hang")


def run_case(cmd, act, value, d, csv):
    args = [cmd, *_base(cmd, d, csv, skip=act)]
    if act.nargs == 0:
        args.append(act.option_strings[0])
    elif act.option_strings:
        args += [act.option_strings[0], value]
    else:
        args.insert(1, value)
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as e:
                code = e.code
            except ReachedWork:
                code = "work"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    lines = err.getvalue().strip().splitlines()
    if code == 2:
        assert lines and lines[-1].startswith("lstmcast: error: "), (args, err.getvalue())
        assert sum("error" in ln for ln in lines) == 1, (args, err.getvalue())
    else:
        assert code in ("work", 0), (args, code, err.getvalue())
    assert "Traceback" not in err.getvalue()
    return code


@pytest.mark.parametrize("cmd,act", [   # --ray starts a local Ray instance: seconds each
    pytest.param(c, a, id=f"{c}:{a.option_strings[0] if a.option_strings else a.dest}",
                 marks=[pytest.mark.slow] if "--ray" in a.option_strings else []) for c, a in WALK])
def test_every_flag_with_nasty_values(world, no_heavy_work, cmd, act):
    d, csv = world
    codes = [run_case(cmd, act, v, d, csv) for v in (NASTY if act.nargs != 0 else [None])]
    if act.type is not None and act.nargs != 0 and not act.choices:
        assert 2 in codes          # a typed flag refuses some of these


VALUES = st.one_of(st.text(max_size=12), st.integers(-10**30, 10**30).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(NASTY))


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(WALK), value=VALUES)
def test_random_values(world, no_heavy_work, case, value):
    run_case(*case, value, *world)
