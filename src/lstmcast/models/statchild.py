"""The statistical members fitted beside the LSTM's training: in a thread, or for a large panel in a child
Python process.

    with StatsBeside(values, idx, m, ("pretrained", "ets")) as stats:
        ...                                             # train the LSTM
    fits = stats.result()                               # {name: {i: fitted member}}, as fit_stats's

statsforecast's AutoETS and AutoARIMA (compiled code in statsforecast 2) hold the interpreter lock while they
fit: two threads fitting AutoETS took 2.2 times as long as one. In a thread beside the training they
therefore stall the training threads' Python and JAX's tracing and compiling (a 1,000-series local fit ran
on one core for its first 22 s). A child process has its own interpreter. It runs `python -m
lstmcast.models.statchild`, not multiprocessing, which would import the caller's main script again. The
series go in and the fitted members come out as pickles over pipes between this process and its own child
(nothing is read from or written to disk). A child that cannot start or fails returns None, and the caller
fits the members itself, with the same result.
"""
from __future__ import annotations

import contextvars
import os
import pickle
import subprocess
import sys
import threading
from typing import Any

import numpy as np

from .statmembers import fit_stats

CHILD_FROM = 200          # statable series from which the members fit in a child (its start costs ~1.3 s of a core)
IN_CHILD = ("ets", "arima", "theta")   # members fitted there; the pretrained ones fit in this process (no JAX there)


def wanted(names, n_series: int, X=None, prefit=None) -> bool:
    """Whether the members `names` of n_series series fit in a child (no covariates, nothing pre-fitted)."""
    return (n_series >= CHILD_FROM and any(n in IN_CHILD for n in names) and not X and not prefit
            and os.environ.get("LSTMCAST_STATS_CHILD", "1") != "0")


class StatChild:
    def __init__(self, proc: subprocess.Popen, payload: bytes) -> None:
        self._proc = proc
        self._io: dict[str, Any] = {}

        def talk() -> None:          # communicate() waits in I/O: the interpreter is free meanwhile
            try:
                self._io["out"] = proc.communicate(payload)
            except BaseException as e:  # noqa: BLE001 - result() falls back to fitting here
                self._io["error"] = e
        self._thread = threading.Thread(target=talk, name="lstmcast-stats-child", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, values, idx, m: int, names) -> "StatChild | None":
        """A child fitting the members `names` (of IN_CHILD), or None if it cannot start."""
        series = {int(i): np.asarray(values[i], np.float64) for i in idx}
        payload = pickle.dumps((series, [int(i) for i in idx], int(m), names), protocol=5)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # lstmcast's parent
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        try:
            proc = subprocess.Popen([sys.executable, "-m", "lstmcast.models.statchild"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        except OSError:
            return None
        return cls(proc, payload)

    def stop(self) -> None:
        """End the child now (the training failed)."""
        if self._proc.poll() is None:
            self._proc.kill()

    def result(self) -> dict | None:
        """The child's fits, or None if it failed (its error is left to the caller's own fit to raise)."""
        self._thread.join()
        if "out" not in self._io or self._proc.returncode != 0:
            return None
        try:
            fits: dict = pickle.loads(self._io["out"][0])   # our own child's answer over a pipe
        except Exception:  # noqa: BLE001 - a truncated answer: the caller fits here
            return None
        return fits


class StatsBeside:
    """fit_stats(...) beside the caller's LSTM training, started now; `result()` waits for it. AutoETS and
    AutoARIMA of CHILD_FROM series or more fit in a child process (statchild.py: they hold the interpreter
    lock), the rest in a thread (XLA releases the interpreter while it computes, so AutoETS's 70 ms a series
    fill the cores' gaps instead of running after the training). As a context manager around the training:
    if the training fails, the thread stops before its next series (and, a daemon, never holds the process)
    and the child is ended."""

    def __init__(self, values, idx, m: int, names, X=None, prefit=None, init=None) -> None:
        self._stop = threading.Event()
        self._out: dict[str, Any] = {}
        self._args = (values, idx, m)
        self._names = tuple(names)
        self._there = tuple(n for n in names if n in IN_CHILD)      # the child's members, if a child fits them
        self._child = StatChild.start(values, idx, m, self._there) if wanted(names, len(idx), X, prefit) else None
        here = tuple(n for n in names if n not in self._there) if self._child is not None else self._names

        def run():
            try:
                self._out["fits"] = fit_stats(values, idx, m, here, X, prefit, init, stop=self._stop)
            except BaseException as e:  # noqa: BLE001 - raised again by result()
                self._out["error"] = e
        ctx = contextvars.copy_context()          # the caller's context (e.g. scale/backend.py's backend)
        self._thread = threading.Thread(target=ctx.run, args=(run,), name="lstmcast-stats", daemon=True)
        self._thread.start()

    def __enter__(self) -> "StatsBeside":
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is not None:
            self._stop.set()
            if self._child is not None:
                self._child.stop()

    def result(self) -> dict:
        self._thread.join()
        if "error" in self._out:
            raise self._out["error"]
        fits = dict(self._out["fits"])
        if self._child is not None:
            got = self._child.result()
            fits.update(got if got is not None else fit_stats(*self._args, self._there))   # a failed child: fit here
        return {n: fits[n] for n in self._names if n in fits}


def _main() -> None:
    series, idx, m, names = pickle.load(sys.stdin.buffer)
    fits = fit_stats(series, idx, m, names)
    sys.stdout.buffer.write(pickle.dumps(fits, protocol=5))
    sys.stdout.flush()


if __name__ == "__main__":
    _main()
