"""Where independent tasks run: in this process, one after another, or on a Ray cluster.

    be = get_backend("ray", address=None, workers=2)     # a local Ray instance with 2 worker processes
    results = be.map(train_shard, tasks, desc="shards", progress=print)   # in the order of `tasks`
    params = be.run_one(train_global, task)              # one task, on a GPU worker if there is one

A task function is a top-level `fn(task) -> result` with picklable task and result (numpy arrays,
dicts, dataclasses). `LocalBackend` calls it here (in threads, one per core, on a CPU); `RayBackend` runs each
call as a Ray task.
A task whose worker process dies (killed, out of memory, a lost node) is submitted again, up to
`retries` times, and the run reports one line, e.g. "ray: 1 task retried after a worker died";
an exception raised by the task itself is not retried: it is raised here as it was raised there.
Each task takes one CPU of the cluster (`threads` CPUs if given); workers run JAX on the CPU unless
`platform` says otherwise (see worker_env for threads and the compilation cache).
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from .threads import cpu_workers, map_threads

BACKENDS = ("local", "ray")
RAY_MISSING = "ray is not installed: pip install 'lstmcast[ray]' (or pass backend='local')"


def _say(progress):
    """Where one-line notes go: the given callable, else stderr (a retry must not pass unseen)."""
    return progress or (lambda msg: print(msg, file=sys.stderr, flush=True))


_CURRENT: contextvars.ContextVar = contextvars.ContextVar("lstmcast_backend", default=None)


def current():
    """The backend set by the innermost `using` block; the local backend outside any."""
    return _CURRENT.get() or _LOCAL


@contextlib.contextmanager
def using(backend):
    """Run the block with `backend` as current(): the library's inner loops (local training chunks,
    so also backtests and differencing selection) fan out on it without passing it down.

        with using(get_backend("ray")):
            fc.fit(df)
    """
    token = _CURRENT.set(backend)
    try:
        yield backend
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def running(backend=None, address: str | None = None, workers: int | None = None):
    """For one public call (`fit(..., backend="ray")`): `backend` as current() for the block.

    backend: None keeps current(); a name ("local", "ray") starts one with get_backend(name, address,
    workers) and closes it after the block; a backend object is used as it is and left open (start
    Ray once, reuse it across calls).
    """
    if backend is None and address is None:
        yield current()
        return
    own = isinstance(backend, str) or backend is None
    be = get_backend(backend or "ray", address, workers) if own else backend
    try:
        with using(be):
            yield be
    finally:
        if own:
            be.close()


class LocalBackend:
    """Runs tasks in this process: on a CPU, as many at once as it has cores (scale/threads.py), results
    in the order of the tasks."""
    name = "local"

    def map(self, fn, tasks, *, desc: str = "", progress=None, tick=None) -> list:
        return map_threads(fn, tasks, cpu_workers(), tick)

    def run_one(self, fn, task, *, accelerator: bool = True, desc: str = "", progress=None):
        return fn(task)

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_LOCAL = LocalBackend()


def worker_env(platform: str | None = "cpu", threads: int | None = None) -> dict:
    """Environment variables for Ray workers: JAX's platform, and thread counts.

    `threads` None keeps the driver's XLA_FLAGS, so that workers find the programs the driver (or an
    earlier run) compiled in the persistent compilation cache, whose key includes XLA_FLAGS; an int
    pins XLA's CPU intra-op threads per worker (then each worker compiles once for itself)."""
    env = {"OMP_NUM_THREADS": str(threads or 1), "MKL_NUM_THREADS": str(threads or 1),
           "OPENBLAS_NUM_THREADS": str(threads or 1)}
    if threads:
        env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                            f"intra_op_parallelism_threads={threads}")
    elif os.environ.get("XLA_FLAGS"):
        env["XLA_FLAGS"] = os.environ["XLA_FLAGS"]
    if platform:
        env["JAX_PLATFORMS"] = platform
    cache = os.environ.get("LSTMCAST_CACHE_DIR")
    if cache:                       # workers share the driver's compilation cache (same machine)
        off = cache.lower() in ("off", "0", "none")
        env["LSTMCAST_CACHE_DIR"] = cache if off else os.path.abspath(cache)
    return env


def _check_reachable(address: str, timeout: float = 5.0):
    """One-line UsageError unless something listens at host:port (ray.init can wait a minute)."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"ray address {address!r} is not host:port (e.g. 10.0.0.5:6379, "
                         f"or 'auto' on a machine where `ray start` ran)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        raise UsageError(f"cannot reach the Ray cluster at {address} ({e.strerror or e}): start it with "
                         f"`ray start --head --port {port}` on {host}, or check the address and firewall"
                         ) from None


@contextlib.contextmanager
def _stderr_muted():
    """Silence file descriptor 2 for the block: Ray's C++ client logs a line per second while it
    retries a cluster it cannot join; the user gets our one line instead."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):         # no real stderr (e.g. captured): nothing to mute
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _import_ray():
    try:
        import ray  # optional extra: only for backend='ray'
    except ImportError:
        raise UsageError(RAY_MISSING) from None
    return ray


@dataclass
class RayBackend:
    """Ray tasks; see get_backend. `retried` counts resubmissions after worker deaths (all maps)."""
    address: str | None = None
    workers: int | None = None
    retries: int = 3
    platform: str | None = "cpu"
    threads: int | None = None
    name: str = "ray"
    retried: int = 0
    startup_s: float = 0.0
    _owns: bool = field(default=False, repr=False)

    def __post_init__(self):
        ray = _import_ray()
        if self.address and self.address != "auto":
            _check_reachable(self.address)
        t0 = time.perf_counter()
        runtime_env = {"env_vars": worker_env(self.platform, self.threads)}
        if ray.is_initialized():                      # the caller's own ray.init: use it as it is
            self._owns = False
        else:
            kw = dict(runtime_env=runtime_env, log_to_driver=False, include_dashboard=False,
                      configure_logging=True, logging_level="error")
            try:
                if self.address:
                    with _stderr_muted():
                        ray.init(address=self.address, **kw)
                else:
                    ray.init(num_cpus=self.workers or os.cpu_count(), **kw)
            except ConnectionError as e:
                raise UsageError(f"cannot connect to the Ray cluster at {self.address}: "
                                 f"{str(e).splitlines()[0]}; is `ray start --head` running there? "
                                 "(a cluster with token authentication also needs RAY_AUTH_MODE=token and its token "
                                 "here)") from None
            self._owns = True
        self._quiet(True)
        self.startup_s = time.perf_counter() - t0

    @staticmethod
    def _quiet(on: bool):
        """Hide Ray's own multi-line "(raylet) A worker died ..." notices on the driver: the retry is
        reported in one line by map. (Ray has no public switch for these; the flag is its pdb one.)"""
        try:
            from ray._private import worker  # optional extra: only for backend='ray'
            worker._worker_logs_enabled = not on
        except (ImportError, AttributeError):
            pass

    def map(self, fn, tasks, *, desc: str = "", progress=None, tick=None) -> list:
        """fn(task) for each task on the cluster; results in the order of tasks. `progress(msg)`
        gets the retry line (default: stderr); `tick(done, total)` is called as tasks finish."""
        ray = _import_ray()
        remote = ray.remote(max_retries=0, num_cpus=self.threads or 1)(fn)
        return self._run(remote, list(tasks), desc, progress, tick)

    def run_one(self, fn, task, *, accelerator: bool = True, desc: str = "", progress=None):
        """fn(task) as one task: on a worker with a GPU when the cluster has one (and `accelerator`),
        where JAX may use it; else on any worker, on the CPU. How global-scope training runs."""
        ray = _import_ray()
        gpu = accelerator and ray.cluster_resources().get("GPU", 0) >= 1
        opts: dict[str, Any] = dict(max_retries=0, num_cpus=self.threads or 1)
        if gpu:
            opts.update(num_gpus=1, runtime_env={"env_vars": worker_env(platform=None, threads=self.threads)})
        return self._run(ray.remote(**opts)(fn), [task], desc, progress)[0]

    def _run(self, remote, tasks: list, desc: str, progress, tick=None) -> list:
        """Submit all, gather in order; resubmit a task whose worker died (up to `retries` times)."""
        ray = _import_ray()
        from ray import exceptions as rex  # optional extra: only for backend='ray'
        died = (rex.WorkerCrashedError, rex.NodeDiedError, rex.LocalRayletDiedError, rex.ObjectLostError)
        refs = {remote.remote(t): i for i, t in enumerate(tasks)}
        results, attempts, retried, n_done = [None] * len(tasks), [0] * len(tasks), [], 0
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1)
            i = refs.pop(done[0])
            try:
                results[i] = ray.get(done[0])
                n_done += 1
                if tick:
                    tick(n_done, len(tasks))
            except died as e:
                attempts[i] += 1
                if attempts[i] > self.retries:
                    raise RuntimeError(f"ray: {desc or 'task'} {i} failed {attempts[i]} times, its worker "
                                       f"died each time ({type(e).__name__}); last: {str(e).splitlines()[0]}"
                                       ) from None
                retried.append(i)
                refs[remote.remote(tasks[i])] = i
            except rex.RayTaskError as e:          # the task's own exception, raised as it was raised
                raise e.cause if isinstance(e.cause, BaseException) else e from None
        if retried:
            self.retried += len(retried)
            n = len(set(retried))
            what = f"{desc} task" if desc else "task"
            _say(progress)(f"ray: {n} {what}{'s' if n > 1 else ''} retried after a worker died "
                           f"(task {', '.join(map(str, sorted(set(retried))))} of {len(tasks)})")
        return results

    @property
    def cpus(self) -> int:
        ray = _import_ray()
        return int(ray.cluster_resources().get("CPU", 0))

    def close(self):
        """Shut down the Ray instance this backend started (a joined cluster keeps running)."""
        self._quiet(False)
        if self._owns:
            ray = _import_ray()
            ray.shutdown()
            self._owns = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def get_backend(backend: str | None = "local", address: str | None = None, workers: int | None = None,
                **kw):
    """The backend named `backend` ("local" or "ray"; None = "local").

    Args:
        backend: "local" runs tasks one by one in this process; "ray" on a Ray cluster.
        address: for "ray", a running cluster's head ("host:6379", "ray://host:10001" or "auto");
            None starts a local Ray instance (stopped by `close()`).
        workers: for a local Ray instance, its worker processes (default: all cores).
        **kw: RayBackend's `retries`, `platform` ("cpu"; None keeps JAX's default), `threads`.

    Examples:
        >>> get_backend().map(abs, [-1, 2, -3])
        [1, 2, 3]
    """
    name = backend or "local"
    if name == "local":
        if address:
            raise UsageError(f"a Ray address ({address}) needs backend='ray'")
        return LocalBackend()
    if name == "ray":
        return RayBackend(address=address, workers=workers, **kw)
    raise UsageError(f"backend must be one of {BACKENDS}; got {backend!r}")
