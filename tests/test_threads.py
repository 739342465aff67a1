"""scale/threads.py: order, the worker count, nesting, context, errors; and a backtest whose later windows
fit in threads equals the same backtest fitted one window after another."""
import contextvars
import threading
import time

import numpy as np
import pytest

from lstmcast.scale import threads
from lstmcast.scale.threads import map_threads, workers

VAR = contextvars.ContextVar("v", default="outer-default")


def test_order_ticks_and_at_most_n_at_once(monkeypatch):
    monkeypatch.setenv("LSTMCAST_THREADS", "3")
    assert workers() == 3
    running, peak, lock = [0], [0], threading.Lock()

    def fn(x):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02 * (5 - x % 5))        # finish out of order
        with lock:
            running[0] -= 1
        return x * x
    ticks = []
    assert map_threads(fn, range(10), tick=lambda d, t: ticks.append((d, t))) == [x * x for x in range(10)]
    assert peak[0] == 3 and ticks == [(d, 10) for d in range(1, 11)]


def test_nested_maps_run_in_line_and_see_the_callers_context(monkeypatch):
    monkeypatch.setenv("LSTMCAST_THREADS", "2")
    VAR.set("set-by-caller")

    def inner(x):
        return (x, workers(), VAR.get(), threading.current_thread().name)

    def outer(x):
        names = {r[3] for r in map_threads(inner, range(3))}
        return [r[:3] for r in map_threads(inner, range(3))], names, threading.current_thread().name
    for rows, names, me in map_threads(outer, range(2)):
        assert [r[1:] for r in rows] == [(1, "set-by-caller")] * 3     # one level of threads only
        assert names == {me}                                          # the inner tasks ran in the task's thread
    assert workers() == 2


def test_an_error_is_raised_and_later_tasks_do_not_start(monkeypatch):
    monkeypatch.setenv("LSTMCAST_THREADS", "2")
    started = []

    def fn(x):
        started.append(x)
        if x == 0:
            raise ValueError("bad task 0")
        time.sleep(0.2)
        return x
    with pytest.raises(ValueError, match="bad task 0"):
        map_threads(fn, range(20))
    assert len(started) < 20


def test_threaded_backtest_windows_equal_sequential(monkeypatch):
    from lstmcast import Forecaster, datasets
    y = datasets.airline().iloc[:110]
    kw = dict(h=6, n_windows=3, step_size=6, refit=True)
    fc = lambda: Forecaster(seeds=2, epochs=3, diff=(12, 1), model="lstm+ets")  # noqa: E731
    monkeypatch.setenv("LSTMCAST_THREADS", "1")
    one = fc().cross_validation(y, **kw)
    monkeypatch.setenv("LSTMCAST_THREADS", "2")
    two = fc().cross_validation(y, **kw)
    assert threads.workers() == 2
    np.testing.assert_array_equal(one[["combo", "lstm"]].to_numpy(), two[["combo", "lstm"]].to_numpy())
    assert list(one["cutoff"].unique()) == list(two["cutoff"].unique()) and one["cutoff"].nunique() == 3


def test_later_windows_start_before_window_one_trains_and_equal_sequential(monkeypatch):
    """diff="auto" (validated differencing, weights from the folds): windows 2-3 start once window 1's
    differencing is chosen, wait for its weights, and give what one window after another gives."""
    from lstmcast import Forecaster, datasets
    from lstmcast.fit import fitting
    y = datasets.airline().iloc[:110]
    kw = dict(h=6, n_windows=3, step_size=6, refit=True)
    fc = lambda: Forecaster(seeds=2, epochs=3, model="lstm+ets")  # noqa: E731
    monkeypatch.setenv("LSTMCAST_THREADS", "1")
    one = fc().cross_validation(y, **kw)
    spans, real = [], fitting.fit_ensemble

    def timed(*a, **k):
        t = time.perf_counter()
        out = real(*a, **k)
        spans.append((threading.current_thread() is threading.main_thread(), t, time.perf_counter()))
        return out
    monkeypatch.setattr(fitting, "fit_ensemble", timed)
    monkeypatch.setenv("LSTMCAST_THREADS", "2")
    two = fc().cross_validation(y, **kw)
    np.testing.assert_array_equal(one[["combo", "lstm"]].to_numpy(), two[["combo", "lstm"]].to_numpy())
    (main,) = [s for s in spans if s[0]]
    assert len(spans) == 3 and all(s[1] < main[2] for s in spans if not s[0])   # overlapped window 1's training


def test_an_error_in_window_one_after_the_later_windows_started_is_raised_without_hanging(monkeypatch):
    from lstmcast import Forecaster, datasets
    from lstmcast.fit import fitting

    def fails_in_window_one(*a, **k):      # only window 1 calibrates; the others take its calibration
        raise ValueError("window one failed")
    monkeypatch.setattr(fitting, "calibrate", fails_in_window_one)
    monkeypatch.setenv("LSTMCAST_THREADS", "2")
    box = {}

    def run():
        try:
            Forecaster(seeds=2, epochs=3, model="lstm+ets").cross_validation(datasets.airline().iloc[:110], h=6,
                                                                             n_windows=3, step_size=6)
        except ValueError as e:
            box["error"] = str(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(300)
    assert not t.is_alive() and box.get("error") == "window one failed"
    for th in [th for th in threading.enumerate() if th.name.startswith("lstmcast")]:
        th.join(120)                     # the later windows stop too: none waits for window 1's weights forever
        assert not th.is_alive(), th.name


def test_stats_beside_the_training_equal_stats_after_it_and_stop_on_failure():
    """fit/fitting.py fits the statistical members in a thread while the LSTM trains (StatsBeside): the fits
    are those fit_stats makes in the caller's thread; a failed training stops the thread before its next
    series; an error in the thread is raised by result()."""
    from lstmcast.models.statchild import StatsBeside
    from lstmcast.models.statmembers import fit_stats
    rng = np.random.default_rng(0)
    values = [50 + np.cumsum(rng.normal(size=48)) + 5 * np.sin(np.arange(48) * np.pi / 6) for _ in range(4)]
    direct = fit_stats(values, range(4), 12, ("ets",))
    with StatsBeside(values, range(4), 12, ("ets",)) as beside:
        pass
    got = beside.result()
    assert sorted(got["ets"]) == sorted(direct["ets"]) == [0, 1, 2, 3]
    for i in range(4):
        np.testing.assert_array_equal(got["ets"][i].predict(h=6)["mean"], direct["ets"][i].predict(h=6)["mean"])
    stop = threading.Event()
    stop.set()
    assert fit_stats(values, range(4), 12, ("ets",), stop=stop) == {"ets": {}}   # stopped: no series fitted
    with pytest.raises(RuntimeError, match="training failed"):
        with StatsBeside(values, range(4), 12, ("ets",)) as beside:
            raise RuntimeError("training failed")
    assert beside._stop.is_set()
    with pytest.raises(TypeError):
        StatsBeside(None, range(4), 12, ("ets",)).result()                   # the thread's error, raised here


def test_stats_of_a_large_panel_fit_in_a_child_process_with_the_same_result(monkeypatch):
    """From statchild.CHILD_FROM series, AutoETS fits in a child Python process (it holds the interpreter
    lock); the pretrained member still fits here. The fits forecast exactly as fit_stats's in this process;
    a child that fails (here: no Python to start) is replaced by fitting here; a failed training ends the
    child."""
    from lstmcast.models import statchild
    from lstmcast.models.statchild import StatsBeside
    from lstmcast.models.statmembers import fit_stats
    monkeypatch.setattr(statchild, "CHILD_FROM", 3)
    rng = np.random.default_rng(1)
    values = [50 + np.cumsum(rng.normal(size=48)) + 5 * np.sin(np.arange(48) * np.pi / 6) for _ in range(4)]
    names = ("pretrained", "ets")
    direct = fit_stats(values, range(4), 12, names)
    beside = StatsBeside(values, range(4), 12, names)
    assert beside._child is not None
    got = beside.result()
    assert list(got) == list(direct)
    assert sorted(got["ets"]) == sorted(got["pretrained"]) == [0, 1, 2, 3]
    for i in range(4):
        for n in names:
            np.testing.assert_array_equal(got[n][i].predict(h=6)["mean"], direct[n][i].predict(h=6)["mean"])
    monkeypatch.setattr(statchild.sys, "executable", "/nonexistent/python")
    fallback = StatsBeside(values, range(4), 12, names)
    assert fallback._child is None or fallback._child.result() is None
    np.testing.assert_array_equal(fallback.result()["ets"][2].predict(h=6)["mean"],
                                  direct["ets"][2].predict(h=6)["mean"])
    monkeypatch.undo()
    monkeypatch.setattr(statchild, "CHILD_FROM", 3)
    with pytest.raises(RuntimeError, match="training failed"):
        with StatsBeside(values, range(4), 12, names) as failed:
            raise RuntimeError("training failed")
    failed._child._proc.wait(timeout=30)
    assert failed._child._proc.returncode != 0          # killed, not finished


def test_a_fit_with_its_members_in_a_child_equals_one_without(monkeypatch):
    """fit_panel starts the child before its differencing choice (nothing chosen there changes AutoETS's
    inputs): the forecasts equal those of a fit whose members fit in this process."""
    import pandas as pd

    from lstmcast import Forecaster
    from lstmcast.models import statchild
    rng = np.random.default_rng(2)
    df = pd.DataFrame([{"unique_id": f"s{k}", "ds": d, "y": 50 + 5 * np.sin(j * np.pi / 6) + rng.normal()}
                       for k in range(4) for j, d in enumerate(pd.date_range("2015-01-01", periods=48, freq="MS"))])
    fit = lambda: Forecaster(scope="local", calendar=False, seeds=1, epochs=2, diff=(1,)).fit(df).forecast(6)  # noqa: E731
    monkeypatch.setenv("LSTMCAST_STATS_CHILD", "0")
    here = fit()
    monkeypatch.setenv("LSTMCAST_STATS_CHILD", "1")
    monkeypatch.setattr(statchild, "CHILD_FROM", 3)
    spawned = []
    start = statchild.StatChild.start
    monkeypatch.setattr(statchild.StatChild, "start", lambda *a: spawned.append(1) or start(*a))
    there = fit()
    assert spawned == [1]
    pd.testing.assert_frame_equal(here, there)
