"""Lint in CI: `python -m ruff check src tests benchmarks` with pyproject.toml's [tool.ruff] (pyflakes, pycodestyle,
isort, bugbear; line length 120) passes, and that configuration ignores nothing but the two rules it names."""
import importlib.util
import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_config_selects_the_rule_sets_and_ignores_only_two_rules():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert cfg["line-length"] == 120 and cfg["target-version"] == "py311"
    assert set(cfg["lint"]["select"]) == {"E", "F", "W", "I", "B"}
    assert set(cfg["lint"]["ignore"]) == {"B905", "E731"}
    assert set(cfg["lint"].get("per-file-ignores", {})) <= {"benchmarks/*"}
    assert not any(k in cfg for k in ("exclude", "extend-exclude")) and "extend-ignore" not in cfg["lint"]


def _comments(path: Path):
    with path.open("rb") as f:
        for tok in tokenize.tokenize(f.readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string


def test_no_blanket_noqa():
    """Every noqa comment names its rule code(s): a bare one would silence every rule on its line."""
    files = [p for d in ("src", "tests", "benchmarks") for p in sorted((ROOT / d).rglob("*.py"))]
    bare = [f"{p.relative_to(ROOT)}:{i}" for p in files
            for i, text in _comments(p) if re.search(r"noqa(?!:\s*[A-Z]+\d)", text, re.IGNORECASE)]
    assert not bare, bare


def test_ruff_passes():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed: pip install '.[test]'")
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.stdout + r.stderr)[-6000:]
