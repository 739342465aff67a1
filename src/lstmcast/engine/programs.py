"""Compiled programs that a second process loads instead of tracing: jitted functions kept on disk
as exported StableHLO (`jax.export`, no pickle).

    predict = program("predict", lambda p, x: apply(p, x)[0])
    y = predict(params, x)          # first call with these shapes: load from disk, else trace + save

Per call signature (argument tree, shapes, dtypes) a `Program` holds one compiled executable. The
first call with a new signature looks for `<cache>/programs/<name>-<hash>.jaxexp`, the hash covering
the program's name and static key (model and training config), the signature, the backend and the
JAX, jaxlib and lstmcast versions. On a hit, the serialized program is deserialized and compiled
with no Python tracing of `fn`; XLA's compilation of it is served by JAX's persistent compilation
cache (engine/cache.py), the second layer. On a miss -- no file, a file that is corrupt, truncated,
or written for another key -- `fn` is traced and exported and the file (re)written atomically
(temporary file + os.replace). Without a cache folder (LSTMCAST_CACHE_DIR=off), without the
`flatbuffers` package, or where export fails, a Program is a plain `jax.jit(fn)`.

Typed PRNG key arrays cross the boundary as their raw key data and are re-wrapped inside, so the
exported program sees exactly the keys the caller passed. `STATS` records, per compiled signature,
where the program came from and its trace / export / load / compile seconds (benchmarks/bench_warm.py).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jaxlib
import numpy as np
from jax.tree_util import PyTreeDef

from .._version import __version__
from .cache import cache_dir, enable_compilation_cache

_locations_limit: Any
try:       # JAX's own setting, private (it may move): see _no_call_stack
    from jax._src.config import traceback_in_locations_limit as _locations_limit
except ImportError:
    _locations_limit = None

FORMAT = 1                          # bump when the file layout or the key's meaning changes
MAGIC = b"lstmcast-program\n"
LeafSpec = tuple[tuple[int, ...], str, str | None]  # one leaf: shape, dtype name, PRNG key impl (None: not a key)
Signature = tuple[PyTreeDef, tuple[LeafSpec, ...]]  # the argument tree and its leaves' specs
_lock = threading.Lock()


def _no_call_stack() -> Any:
    """While a program is exported: its operations' locations without the Python call stack, so that the file
    holds the same bytes whatever code called it (an installed lstmcast's frames count as a library's, and the
    caller's lines went in). JAX's own setting, private: without it, as before."""
    return contextlib.nullcontext() if _locations_limit is None else _locations_limit(0)
_lower_lock = threading.Lock()


@dataclass
class Event:
    """How one (program, signature) became runnable; seconds per phase (0 where not done)."""
    name: str
    source: str                     # "disk" (loaded), "export" (traced + saved), "jit" (no disk layer)
    trace: float = 0.0              # Python tracing of fn (export: trace + lower together)
    load: float = 0.0               # read + deserialize the saved program
    lower: float = 0.0              # lowering the loaded program into a module for XLA
    compile: float = 0.0            # XLA compile, or its load from the persistent compilation cache
    first_run: float = 0.0          # the first call's run time (0: prepared by `warm`, not yet run)
    started: float = 0.0            # wall clock (time.time()) when the build began
    extra: dict[str, Any] = field(default_factory=dict)


STATS: list[Event] = []


@functools.lru_cache(maxsize=1)
def _source_hash() -> str:
    """A hash of lstmcast's own source, so that an edited package never loads a stale program."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for f in sorted(root.rglob("*.py")):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _versions() -> dict[str, Any]:
    return {"format": FORMAT, "jax": jax.__version__, "jaxlib": jaxlib.__version__, "lstmcast": __version__,
            "source": _source_hash(), "backend": jax.default_backend(),
            # the settings that change what tracing produces
            **{k: str(getattr(jax.config, k, None)) for k in _TRACE_SETTINGS}}


_TRACE_SETTINGS = ("jax_enable_x64", "jax_default_matmul_precision", "jax_threefry_partitionable",
                   "jax_default_prng_impl", "jax_numpy_dtype_promotion")


def _signature(args: tuple[Any, ...]) -> tuple[Signature, list[Any]]:
    """(signature, flat leaves): typed PRNG keys become their raw key data, the impl noted."""
    leaves, tree = jax.tree.flatten(args)
    out, specs = [], []
    for a in leaves:
        impl = None
        if isinstance(a, jax.Array) and jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            impl, a = str(jax.random.key_impl(a)), jax.random.key_data(a)
        elif not hasattr(a, "dtype"):
            a = np.asarray(a)
        out.append(a)
        specs.append((tuple(a.shape), np.dtype(a.dtype).name, impl))
    return (tree, tuple(specs)), out


def program_dir() -> Path | None:
    d = cache_dir()
    return None if d is None else d / "programs"


def _exportable() -> bool:
    try:
        import flatbuffers  # noqa: F401  (jax.export's serializer needs it)
    except ImportError:
        return False
    return program_dir() is not None


class Program:
    """`fn` compiled once per argument signature, its traced form kept on disk (see module doc).

    Args:
        name: file-name prefix and part of the key.
        fn: a jittable function of positional array pytrees (no static arguments: put those in
            `static_key` and close over them).
        make: instead of `fn`, a function returning it, called only when tracing is needed.
        static_key: whatever else determines the program (configs); its repr goes into the key, so
            it must be deterministic (frozen dataclasses, tuples, numbers, strings).
    """

    def __init__(self, name: str, fn: Callable[..., Any] | None = None, static_key: object = (),
                 make: Callable[[], Callable[..., Any]] | None = None) -> None:
        self.name, self.static_key, self._fn, self._make = name, static_key, fn, make
        self._compiled: dict[Signature, jax.stages.Compiled] = {}
        self._locks: dict[Signature, threading.Lock] = {}

    @property
    def fn(self) -> Callable[..., Any]:
        """The function; built by `make()` on first need (a warm start never builds it)."""
        if self._fn is None:
            assert self._make is not None   # program() takes one of fn and make
            self._fn = self._make()
        return self._fn

    def __repr__(self) -> str:
        return f"Program({self.name!r}, {self.static_key!r})"

    def __call__(self, *args: Any) -> Any:
        sig, leaves = _signature(args)
        exe = self._compiled.get(sig)
        if exe is not None:
            return exe(*leaves)
        with self._building(sig):       # threads asking for one new program at once: one builds, the others wait
            exe = self._compiled.get(sig)
            if exe is not None:
                return exe(*leaves)
            ev = self._build(sig)
        t = time.perf_counter()
        out = jax.block_until_ready(self._compiled[sig](*leaves))
        ev.first_run = time.perf_counter() - t
        return out

    def warm(self, *args: Any) -> None:
        """Make the program for these arguments ready (load or trace, and compile) without running it."""
        sig, _ = _signature(args)
        with self._building(sig):
            if sig not in self._compiled:
                self._build(sig)

    def _building(self, sig: Signature) -> threading.Lock:
        """The lock held while the program of `sig` is built (two local-training threads starting on one new
        program compiled it twice, 2-3 s of a core each, beside the statistical members' thread)."""
        with _lock:
            return self._locks.setdefault(sig, threading.Lock())

    # BUILD -------------------------------------------------------------------------------------
    def key(self, sig: Signature) -> str:
        tree, specs = sig
        text = json.dumps({"name": self.name, "static": repr(self.static_key), "tree": str(tree),
                           "args": [list(map(str, s)) for s in specs], **_versions()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _flat_fn(self, sig: Signature) -> Callable[..., Any]:
        tree, specs = sig

        def flat(*leaves: Any) -> Any:
            args = [jax.random.wrap_key_data(a, impl=s[2]) if s[2] else a for a, s in zip(leaves, specs)]
            return self.fn(*jax.tree.unflatten(tree, args))
        return flat

    def _build(self, sig: Signature) -> Event:
        enable_compilation_cache()
        prepare_lapack()
        ev = Event(self.name, "jit", started=time.time())
        shapes = [jax.ShapeDtypeStruct(shape, dtype) for shape, dtype, _ in sig[1]]
        exp = None
        if _exportable():
            key = self.key(sig)
            folder = program_dir()
            assert folder is not None       # _exportable() checked it
            path = folder / f"{self.name}-{key}.jaxexp"
            t = time.perf_counter()
            exp = _load(path, key, shapes)
            ev.load = time.perf_counter() - t
            if exp is not None:
                ev.source = "disk"
            else:
                t = time.perf_counter()
                try:
                    with _no_call_stack():
                        exp = jax.export.export(jax.jit(self._flat_fn(sig)))(*shapes)
                except Exception as e:  # noqa: BLE001  (an unexportable program still runs under jit)
                    ev.extra["export_error"] = f"{type(e).__name__}: {e}"[:200]
                    exp = None
                ev.trace = time.perf_counter() - t
                if exp is not None:
                    ev.source = "export"
                    _save(path, key, exp)
        fn = jax.jit(exp.call if exp is not None else self._flat_fn(sig))
        t = time.perf_counter()
        traced = fn.trace(*shapes)
        t1 = time.perf_counter()
        lowered = _lower(traced, exp)
        t2 = time.perf_counter()
        exe = lowered.compile(compiler_options=compile_options())
        t3 = time.perf_counter()
        if exp is None:
            ev.trace, ev.lower = t1 - t, t2 - t1
        else:
            ev.trace, ev.lower = ev.trace + (t1 - t), t2 - t1
        ev.compile = t3 - t2
        with _lock:
            self._compiled[sig] = exe
            STATS.append(ev)
        return ev


_lapack_state = {"done": False}


def prepare_lapack() -> None:
    """Set up JAX's CPU LAPACK kernels the cheap way, once per process (call it before starting threads).

    jaxlib takes its LAPACK kernels from scipy: it imports `scipy.linalg.cython_lapack` and reads its
    function pointers. The usual import runs all of `scipy.linalg` first (0.1-0.25 s, the largest
    part of a warm start of a training program, whose orthogonal initializer needs a QR). Here the two
    Cython modules the kernels live in are loaded on their own from scipy's folder, JAX reads them, and
    they are taken out of `sys.modules` again, so that a later `import scipy.linalg` is an ordinary full
    import (an extension module stays loaded; importing it again returns the same module). Only on CPU,
    only while no other Python thread runs (one could be importing scipy at the same moment), and
    anything unexpected (another JAX or scipy layout) leaves the set-up to JAX, as before."""
    if _lapack_state["done"] or threading.active_count() > 1:
        return
    _lapack_state["done"] = True
    if "scipy.linalg" in sys.modules or jax.default_backend() != "cpu":
        return
    added = []
    try:
        from jax._src.lax import linalg as lax_linalg  # JAX's private layout: may be absent
        init: Callable[[], object] = lax_linalg.initialize_lapack
        scipy_spec = importlib.util.find_spec("scipy")
        if scipy_spec is None or not scipy_spec.submodule_search_locations:
            raise ImportError("scipy")      # (caught below)
        folder = Path(scipy_spec.submodule_search_locations[0]) / "linalg"
        for name in ("cython_blas", "cython_lapack"):       # cython_lapack imports cython_blas
            path = next(folder / (name + suf) for suf in importlib.machinery.EXTENSION_SUFFIXES
                        if (folder / (name + suf)).exists())
            spec = importlib.util.spec_from_file_location(f"scipy.linalg.{name}", path)
            if spec is None or spec.loader is None:
                raise ImportError(name)     # (caught below)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod
            added.append(spec.name)
            spec.loader.exec_module(mod)
        init()
    except Exception:  # noqa: BLE001  (StopIteration, ImportError, AttributeError: JAX does it itself)
        pass
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _lower(traced: jax.stages.Traced, exp: jax.export.Exported | None) -> jax.stages.Lowered:
    """`traced.lower()`. Lowering a loaded program on CPU makes JAX set up its LAPACK kernels, which
    imports scipy.linalg (~0.25 s, the largest part of a warm start); a program with no LAPACK call
    does not need them, so for those that set-up is skipped. The hook is JAX-internal: where it is
    missing (another JAX version) lowering is left as it is. One lowering at a time, so a program
    that needs LAPACK never lowers while the set-up is switched off."""
    with _lower_lock:
        mod: Any = sys.modules.get("jax._src.export._export")   # JAX-internal: its hook is patched below
        hook = getattr(mod, "_ensure_backends_initialized", None)
        lowered: jax.stages.Lowered
        if exp is None or hook is None or b"lapack" in bytes(exp.mlir_module_serialized):
            lowered = traced.lower()
            return lowered
        mod._ensure_backends_initialized = lambda platforms: None
        try:
            lowered = traced.lower()
            return lowered
        finally:
            mod._ensure_backends_initialized = hook


def _load(path: Path, key: str, shapes: list[jax.ShapeDtypeStruct]) -> jax.export.Exported | None:
    """The Exported saved at `path` for `key`, or None if absent, unreadable, or not for this key."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    try:
        if not blob.startswith(MAGIC):
            return None
        head, _, payload = blob[len(MAGIC):].partition(b"\n")
        if json.loads(head) != {"key": key, "size": len(payload)}:
            return None
        exp = jax.export.deserialize(bytearray(payload))
        if [(a.shape, a.dtype) for a in exp.in_avals] != [(s.shape, s.dtype) for s in shapes]:
            return None
        return exp
    except Exception:  # noqa: BLE001  (corrupt or foreign: a miss, and the file is rewritten)
        return None


def _save(path: Path, key: str, exp: jax.export.Exported) -> None:
    """Write atomically: a reader sees the old file, the new one, or none, never a partial one."""
    try:
        payload = bytes(exp.serialize())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + json.dumps({"key": key, "size": len(payload)}).encode() + b"\n" + payload)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full cache folder: run without saving


def program(name: str, fn: Callable[..., Any] | None = None, static_key: object = (),
            make: Callable[[], Callable[..., Any]] | None = None) -> Program:
    """A `Program` (see its doc); `static_key` names everything `fn` closes over. Instead of `fn`,
    `make()` may build it: then a process that loads the program from disk never builds it."""
    if (fn is None) == (make is None):
        raise TypeError("program() takes one of fn and make")
    return Program(name, fn, static_key, make)


def compile_options() -> dict[str, Any]:
    """XLA options of every Program: on a CPU, LLVM at optimization level 1 (XLA's default is 2).

    The networks here are small (16-128 units, batches of 8-256): level 2's code is slower on them. A
    4-window backtest of a 200-point monthly series, the LSTM alone, trained in 3.5-3.7 s instead of
    4.7-5.3 s, and compiled from nothing in less time; forecasts equal to float rounding (2e-8 on values
    near 30). LSTMCAST_XLA_O=default gives XLA's own level, LSTMCAST_XLA_O=N level N."""
    if os.environ.get("LSTMCAST_XLA_O") == "default" or jax.default_backend() != "cpu":
        return {}
    return {"xla_backend_optimization_level": int(os.environ.get("LSTMCAST_XLA_O", "1"))}
