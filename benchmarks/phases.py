"""Where an lstmcast command's seconds go: wall-clock timers around the package's phases, for benchmarks.

    import phases
    clock = phases.install()            # before the command runs (patches module attributes)
    main(["fit", "data.csv", "--model", "m"])
    print(clock.report(total))          # {"read": s, "pipelines": s, ..., "compile": s, "other": s}

Phases (the outermost timed call owns its nested calls: the scope choice's own trainings count as
"scope choice"): read (read and validate the data file, load a saved model), pipelines (fit the
per-series pipelines and build the training windows), scope choice, calendar choice (calendar="auto"'s
validation, fit/calchoice.py, its differencing candidates included), differencing choice, train (the
LSTM trainings), stats (AutoETS / AutoARIMA fits), predict (in-sample predictions and forecasts), write
(model directory and CSV files). XLA work -- JAX's tracing, lowering and compilation, wherever it
happens, its wall time (nested events and parallel threads counted once) -- is taken out of the phase it
happened in and reported as "compile". "other" is the rest
(argument checks, summaries, Python between phases). Several module paths are listed, so the timers
follow the package's orchestration modules (models/ before the fit/ package, fit/ after).

Phases run in threads are timed in each thread (the outermost phase of each thread owns its nested calls):
the statistical members fit beside the LSTM's training (models/statmembers.py StatsBeside), and a
backtest's windows fit in threads, so phases may overlap in wall time and "other" is what no phase of any
thread covered. CPU seconds: a phase called from the main thread counts the whole process's (so the
training's include what a thread beside it spent), one called from another thread its own thread's.
"""
from __future__ import annotations

import functools
import importlib
import threading
import time

PHASES = ("read", "pipelines", "scope choice", "calendar choice", "differencing choice", "train", "stats", "predict",
          "write")

# (phase, modules, attribute, owner class or None): every listed module that has it is patched (the callers'
# own names, `from x import f`, and the defining module, for callers that import it when they run)
TARGETS = [
    ("read", ["lstmcast.cli.fit", "lstmcast.cli.forecast", "lstmcast.cli.evaluate"], "load_data", None),
    ("read", ["lstmcast.forecaster"], "load", "Forecaster"),
    ("pipelines", ["lstmcast.models.ensemble"], "fit_pipes", None),
    ("pipelines", ["lstmcast.models.ensemble"], "windows_many", None),
    ("scope choice", ["lstmcast.fit.fitting", "lstmcast.fit.scope", "lstmcast.models.scope"], "choose_scope", None),
    ("calendar choice", ["lstmcast.fit.fitting"], "calendar_step", None),
    ("differencing choice", ["lstmcast.fit.fitting", "lstmcast.fit.select", "lstmcast.models.select"],
     "choose_diffs", None),
    ("train", ["lstmcast.models.lstm_calls"], "train_global", None),
    ("train", ["lstmcast.models.lstm_calls"], "train_local", None),
    ("train", ["lstmcast.models.lstm_calls"], "train_local_val", None),
    ("stats", ["lstmcast.fit.fitting", "lstmcast.models.statmembers", "lstmcast.models.combine"], "fit_stats", None),
    ("predict", ["lstmcast.forecaster"], "predict", "Forecaster"),
    ("predict", ["lstmcast.forecaster"], "forecast", "Forecaster"),
    ("write", ["lstmcast.forecaster"], "save", "Forecaster"),
    ("write", ["lstmcast.atomic"], "atomic_to_csv", None),
    ("write", ["lstmcast.cli.forecast", "lstmcast.cli.evaluate"], "atomic_to_csv", None),
]
XLA_EVENTS = ("/jax/core/compile/jaxpr_trace_duration", "/jax/core/compile/jaxpr_to_mlir_module_duration",
              "/jax/core/compile/backend_compile_duration")


class Clock:
    def __init__(self):
        self.seconds = {p: 0.0 for p in PHASES}
        self.cpu = {p: 0.0 for p in PHASES}     # CPU seconds of the process (all threads) inside each phase
        self.compiles = 0                       # backend compilations
        self.xla = []                           # (start, end) of every XLA event (nested, or in several threads)
        self.spans = {p: [] for p in PHASES}    # (start, end) of every call of each phase
        self.local = threading.local()          # .current: the outermost phase running in this thread
        self.lock = threading.Lock()

    def on_event(self, event, secs, **kw):
        if event not in XLA_EVENTS:
            return
        end = time.perf_counter()
        self.xla.append((end - secs, end))
        self.compiles += event.endswith("backend_compile_duration")

    def wrap(self, phase, fn):
        @functools.wraps(fn)
        def timed(*a, **k):
            if getattr(self.local, "current", None) is not None:    # the thread's outermost phase owns the call
                return fn(*a, **k)
            main = threading.current_thread() is threading.main_thread()
            cpu = time.process_time if main else time.thread_time
            self.local.current, t, c = phase, time.perf_counter(), cpu()
            try:
                return fn(*a, **k)
            finally:
                end = time.perf_counter()
                with self.lock:
                    self.seconds[phase] += end - t
                    self.cpu[phase] += cpu() - c
                    self.spans[phase].append((t, end))
                self.local.current = None
        return timed

    def report(self, total: float) -> dict:
        """Seconds per phase with XLA's wall time (the union of its events: nested ones and ones in parallel
        threads count once) taken out of the phases it fell in and reported as "compile"."""
        xla = _union(self.xla)
        out = {p: max(self.seconds[p] - _overlap(xla, self.spans[p]), 0.0) for p in PHASES}
        out["compile"] = sum(b - a for a, b in xla)
        covered = _union(xla + [s for p in PHASES for s in self.spans[p]])     # threads' phases overlap
        out["other"] = max(total - sum(b - a for a, b in covered), 0.0)
        out["compiles"] = self.compiles
        out["cpu"] = dict(self.cpu)     # CPU seconds per phase, XLA's compilations inside them included
        return out


def _union(spans):
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlap(union, spans) -> float:
    return sum(max(0.0, min(b, d) - max(a, c)) for a, b in union for c, d in spans)


def install() -> Clock:
    """Patch the phase functions (where they exist) and listen to JAX's compile events."""
    import jax
    clock = Clock()
    jax.monitoring.register_event_duration_secs_listener(clock.on_event)
    done = set()
    for phase, modules, attr, owner in TARGETS:
        for name in modules:
            try:
                mod = importlib.import_module(name)
            except ImportError:
                continue
            obj = getattr(mod, owner, None) if owner else mod
            if obj is None or not hasattr(obj, attr) or (id(obj), attr) in done:
                continue
            done.add((id(obj), attr))
            fn = getattr(obj, attr)
            if owner and isinstance(obj.__dict__.get(attr), (classmethod, staticmethod)):
                kind = type(obj.__dict__[attr])
                setattr(obj, attr, kind(clock.wrap(phase, obj.__dict__[attr].__func__)))
            else:
                setattr(obj, attr, clock.wrap(phase, fn))
    return clock


def load_average() -> float:
    """The 1-minute load average (NaN where the OS does not say)."""
    import os
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return float("nan")


def format_breakdown(rep: dict) -> str:
    keys = [k for k in (*PHASES, "compile", "other") if rep.get(k, 0) >= 0.005]
    return ", ".join(f"{k} {rep[k]:.2f}" for k in keys)


def format_cpu(rep: dict, total: float) -> str:
    """CPU seconds per phase (compilations inside them included), the rest as "other"."""
    cpu = rep.get("cpu", {})
    keys = [k for k in PHASES if cpu.get(k, 0) >= 0.005]
    rest = max(total - sum(cpu.values()), 0.0)
    return ", ".join([f"{k} {cpu[k]:.2f}" for k in keys] + [f"other {rest:.2f}"])
