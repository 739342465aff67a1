"""All-or-nothing writes: a directory or a file appears complete at its path, or not at all.

    with atomic_dir("model", overwrite=False) as tmp:   # tmp: a fresh folder beside "model"
        (tmp / "config.json").write_text(...)           # renamed to "model" only if the block succeeds
    atomic_to_csv("forecast.csv", frame, overwrite=True, index=False)   # "forecast.parquet": Parquet

Ctrl-C (KeyboardInterrupt) or any error inside the block removes the temporary folder and leaves
the target as it was. A lock file beside the target (`fcntl.flock`, released by the kernel if the
process dies) makes two writers of the same path take turns: the second one is refused with a
one-line `DataError` instead of racing; without `overwrite` the loser is told the path exists.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .data.parquet import wants_parquet, write_parquet
from .errors import DataError


def _busy(path) -> DataError:
    return DataError(f"{path}: another lstmcast process is writing it right now; wait for it to finish "
                     "or choose another path")


@contextlib.contextmanager
def _lock(path: Path):
    """Hold an exclusive lock named after `path` (a hidden `.NAME.lock` beside it), or refuse."""
    lock = path.with_name(f".{path.name}.lock")
    try:
        import fcntl  # POSIX only: absent on Windows
    except ImportError:  # not POSIX: an O_EXCL lock file (left behind only by a killed process)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise _busy(path) from None
        try:
            yield
        finally:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(lock)
        return
    while True:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _busy(path) from None
        try:  # the holder before us may have unlinked the file we opened: then lock the new one
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _check_target(path: Path, overwrite: bool):
    if not path.parent.is_dir():
        raise DataError(f"{path}: folder {str(path.parent)!r} does not exist")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise DataError(f"{path}: already exists; pass --force (overwrite=True) to replace it")


def _remove(p: Path):
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


@contextlib.contextmanager
def atomic_dir(path, overwrite: bool = False):
    """Yield a fresh temporary folder beside `path`; on success it becomes `path` (replacing an
    old one only with `overwrite`); on any exception, KeyboardInterrupt included, it is removed."""
    path = Path(path)
    _check_target(path, overwrite)
    with _lock(path):
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
        try:
            yield tmp
            _check_target(path, overwrite)   # another writer may have finished while we worked
            old = None
            if path.exists() or path.is_symlink():
                old = path.with_name(f".{path.name}.old-{os.getpid()}")
                _remove(old)
                os.replace(path, old)
            os.replace(tmp, path)
            if old is not None:
                _remove(old)
        except BaseException:
            _remove(tmp)
            raise


def is_special(path) -> bool:
    """True for an existing path that is neither a regular file nor a folder (after symlinks): a device
    or pipe such as /dev/stdout, /dev/null or a FIFO, written in place, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def atomic_write(path, write, overwrite: bool = False, suffix: str = ""):
    """Call `write(tmp_path)` on a temporary file beside `path`, then move it to `path` in one step
    (a device or pipe such as /dev/stdout is written directly: replacing it would destroy it)."""
    path = Path(path)
    if is_special(path):
        write(path)
        return
    _check_target(path, overwrite)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)          # fails if `path` appeared meanwhile: no clobbering
            except FileExistsError:
                raise DataError(f"{path}: already exists (written by another process meanwhile); "
                                "pass --force (overwrite=True) to replace it") from None
            except OSError:                 # no hard links here (some network filesystems)
                _check_target(path, overwrite)
                os.replace(tmp, path)
    finally:
        _remove(tmp)


def atomic_write_text(path, text: str, overwrite: bool = False):
    atomic_write(path, lambda p: p.write_text(text), overwrite)


def atomic_to_csv(path, frame, overwrite: bool = False, **kw):
    """`frame.to_csv(path, **kw)`, but all-or-nothing; a path ending in .parquet / .pq is written as
    Parquet instead (without the index; needs pyarrow)."""
    if wants_parquet(path):
        atomic_write(path, lambda p: write_parquet(frame, p), overwrite, suffix=".parquet")
        return
    atomic_write(path, lambda p: frame.to_csv(p, **kw), overwrite, suffix=".csv")
