"""The package's size and import rules (CONTRIBUTING.md): no module over 400 lines, no function over 80
lines, and at most 40 imports inside functions, each of a heavy or optional dependency (JAX, optax,
statsforecast, scipy, matplotlib, plotly, ray, pyarrow, holidays, tqdm) with a reason; the rest at the
module top."""
import ast
from pathlib import Path

import lstmcast

ROOT = Path(lstmcast.__file__).parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
MAX_INNER_IMPORTS = 40


def _trees():
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        yield path.relative_to(ROOT), text, ast.parse(text)


def _functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def inner_imports() -> list[str]:
    """'path:line import ...' for every import statement inside a function (a nested function's once)."""
    out = set()
    for rel, _, tree in _trees():
        for f in _functions(tree):
            for n in ast.walk(f):
                if isinstance(n, (ast.Import, ast.ImportFrom)):
                    out.add(f"{rel}:{n.lineno} {ast.unparse(n)}")
    return sorted(out)


def test_modules_are_at_most_400_lines():
    long = [f"{rel}: {len(text.splitlines())}" for rel, text, _ in _trees()
            if len(text.splitlines()) > MAX_MODULE_LINES]
    assert not long, long


def test_functions_are_at_most_80_lines():
    long = [f"{rel}:{f.lineno} {f.name}: {f.end_lineno - f.lineno + 1}" for rel, _, tree in _trees()
            for f in _functions(tree) if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, long


def test_few_imports_inside_functions():
    found = inner_imports()
    assert len(found) <= MAX_INNER_IMPORTS, f"{len(found)} imports inside functions:\n" + "\n".join(found)


def test_the_counts_see_what_they_count():
    """The counters on a known snippet: one inner import, one 3-line function (the rules could not pass
    vacuously)."""
    tree = ast.parse("import os\n\ndef f():\n    import json\n    return json\n")
    assert [f.name for f in _functions(tree)] == ["f"]
    assert sum(isinstance(n, (ast.Import, ast.ImportFrom)) for f in _functions(tree) for n in ast.walk(f)) == 1
