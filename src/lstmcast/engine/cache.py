"""JAX's persistent compilation cache, so that a second process does not compile again.

Location: $LSTMCAST_CACHE_DIR, else $XDG_CACHE_HOME/lstmcast/jax, else ~/.cache/lstmcast/jax.
LSTMCAST_CACHE_DIR=off disables it.
"""
from __future__ import annotations

import os
from pathlib import Path

_done = False


def cache_dir() -> Path | None:
    env = os.environ.get("LSTMCAST_CACHE_DIR")
    if env:
        return None if env.lower() in ("off", "0", "none", "") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lstmcast" / "jax"


def enable_compilation_cache() -> Path | None:
    """Point JAX's compilation cache at `cache_dir()` (once per process); returns the folder."""
    global _done
    path = cache_dir()
    if _done or path is None:
        return path
    import jax  # JAX (~1 s): loaded when a network first runs
    try:
        path.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(path))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except OSError:
        return None  # an unwritable home: run without the cache rather than fail
    _done = True
    return path
