"""Type checking in CI: `python -m mypy src/lstmcast` with pyproject.toml's [tool.mypy] (strict on engine/
and prep/, mypy's default checking elsewhere) passes, and that configuration stays what it claims to be."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the flags `--strict` turns on that can be set per module (`strict = true` in an override would turn strict
# mode on for every module: python/mypy#11401); warn_redundant_casts and warn_unused_ignores are global
STRICT = {"disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls", "disallow_untyped_defs",
          "disallow_incomplete_defs", "check_untyped_defs", "disallow_untyped_decorators", "warn_return_any",
          "strict_equality", "extra_checks"}


def _mypy_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def test_engine_and_prep_are_strict_and_nothing_of_ours_is_ignored():
    cfg = _mypy_config()
    assert not any(k in cfg for k in ("strict", "ignore_errors", "ignore_missing_imports", "follow_imports"))
    assert cfg["warn_unused_ignores"] and cfg["warn_redundant_casts"]
    strict = [o for o in cfg["overrides"] if "lstmcast.engine.*" in o["module"]]
    assert len(strict) == 1 and "lstmcast.prep.*" in strict[0]["module"]
    assert all(strict[0].get(flag) is True for flag in STRICT), STRICT - {k for k, v in strict[0].items() if v is True}
    assert strict[0].get("implicit_reexport") is False
    for o in cfg["overrides"]:
        assert "strict" not in o and "ignore_errors" not in o
        if o.get("ignore_missing_imports"):      # third-party packages without types only, never our own code
            assert all(not m.startswith("lstmcast") for m in o["module"]), o["module"]


def test_no_blanket_type_ignore():
    """Every `# type: ignore` names its error code (and the line says why)."""
    bare = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "src" / "lstmcast").rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"#\s*type:\s*ignore(?!\[)", line)]
    assert not bare, bare


@pytest.mark.slow
def test_mypy_passes():
    pytest.importorskip("mypy", reason="mypy is not installed: pip install '.[test]'")
    r = subprocess.run([sys.executable, "-m", "mypy", "src/lstmcast"], cwd=ROOT, capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
    assert re.search(r"Success: no issues found in \d+ source files", r.stdout), r.stdout[-2000:]
