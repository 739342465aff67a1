"""Independent work on this machine's cores: Python threads around XLA programs.

    out = map_threads(fit_window, windows)    # in order; at most workers() at once; nested calls run in line

XLA runs a program outside Python's lock, and a small LSTM's training program keeps about one core
busy, so on a CPU two trainings in two threads take about the time of one (backtest windows, the
chunks of a local panel's training or of the differencing selection). Each task runs in a copy of the
caller's context (the current scale backend, `scale.using`, is a context variable), and a task that
itself maps runs its own tasks one after another: one level of threads, never cores x cores of them.
An exception in a task is raised here once the tasks already running have finished; the
others are not started.
"""
from __future__ import annotations

import contextvars
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

_inside = threading.local()


def workers() -> int:
    """Threads for independent work: $LSTMCAST_THREADS, else the CPUs this process may use; 1 inside a task."""
    if getattr(_inside, "task", False):
        return 1
    env = os.environ.get("LSTMCAST_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not on Linux
        return max(1, os.cpu_count() or 1)


def cpu_workers() -> int:
    """workers() where JAX computes on the CPU; 1 on an accelerator (it runs one program at a time, and
    fewer, bigger vmapped calls suit it better)."""
    n = workers()
    if n == 1:
        return 1
    import jax  # JAX (~1 s): loaded when a network first runs
    return n if jax.default_backend() == "cpu" else 1


def map_threads(fn, items, n_workers: int | None = None, tick=None) -> list:
    """[fn(x) for x in items], up to n_workers (default workers()) at a time; tick(done, total) after each."""
    items = list(items)
    n = min(len(items), n_workers or workers())
    if n <= 1:
        out = []
        for x in items:
            out.append(fn(x))
            if tick:
                tick(len(out), len(items))
        return out
    return Background(fn, items, n).results(tick)


class Background:
    """map_threads started now and collected later, while the caller goes on with other work:

        run = Background(fit_window, [1, 2, 3], 2)    # up to 2 at once, in threads, from now
        ...                                           # the caller's own work (a third thread's worth)
        out = run.results(tick)                       # in order; a task's error is raised here
        run.cancel()                                  # where the caller fails: tasks not started never start
    """

    def __init__(self, fn, items, n_workers: int) -> None:
        def task(ctx, x):
            def inner():
                _inside.task = True
                try:
                    return fn(x)
                finally:
                    _inside.task = False
            return ctx.run(inner)
        self.items = list(items)
        self.pool = ThreadPoolExecutor(max(1, n_workers), thread_name_prefix="lstmcast")
        self.futures = [self.pool.submit(task, contextvars.copy_context(), x) for x in self.items]

    def results(self, tick=None) -> list:
        try:
            for done, f in enumerate(as_completed(self.futures), 1):
                f.result()                  # a task's error stops the rest here
                if tick:
                    tick(done, len(self.futures))
            return [f.result() for f in self.futures]
        except BaseException:       # Ctrl-C, or an error: the tasks not yet started never start
            self.cancel()
            raise
        finally:
            self.pool.shutdown(wait=True)

    def cancel(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
