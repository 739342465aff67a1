"""The package's layout: every module imports, the import graph has no cycle, and nothing below the
`Forecaster` facade imports it (the fitted model travels as a `FittedState`)."""
import ast
import importlib
import pkgutil
from pathlib import Path

import lstmcast

ROOT = Path(lstmcast.__file__).parent
# what stands on the facade and may use the Forecaster
ABOVE_FACADE = ("lstmcast.forecaster", "lstmcast.cli", "lstmcast.evaluate", "lstmcast.report", "lstmcast.tutorial",
                "lstmcast.__init__", "lstmcast.__main__")
NOT_IMPORTED = ("lstmcast.__main__",)   # runs the CLI


def _modules() -> dict:
    """{module name: path} of every module of the package."""
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set) -> set:
    """The package modules `name` imports anywhere in its file (top level and inside functions)."""
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def _graph() -> dict:
    mods = _modules()
    return {n: _imports(n, p, set(mods)) for n, p in mods.items()}


def test_every_module_imports():
    for info in pkgutil.walk_packages([str(ROOT)], prefix="lstmcast."):
        if info.name not in NOT_IMPORTED:
            importlib.import_module(info.name)


def test_import_graph_has_no_cycle():
    """Module edges, including imports inside functions; a package's __init__ importing its own modules
    is not a cycle with them."""
    graph = _graph()
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if n.startswith(m + ".") or m.startswith(n + "."):    # a package and its own modules
                continue
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2
    for n in sorted(graph):
        if n not in state:
            visit(n)


def test_nothing_below_the_facade_imports_the_forecaster():
    for name, deps in _graph().items():
        if name.startswith(ABOVE_FACADE) or name == "lstmcast":
            continue
        assert "lstmcast.forecaster" not in deps, f"{name} imports the Forecaster; pass a FittedState instead"


def test_fitted_attributes_are_the_state_fields():
    """Every FittedState field but `settings` is a read-only Forecaster attribute `name_`, and nothing else is."""
    from dataclasses import fields

    from lstmcast.fit.state import FittedState
    from lstmcast.forecaster import Forecaster, _Fitted
    shown = {k[:-1] for k, v in vars(Forecaster).items() if isinstance(v, _Fitted)}
    assert shown == {f.name for f in fields(FittedState)} - {"settings"}
    fc = Forecaster()
    assert not hasattr(fc, "panel_") and not hasattr(fc, "weights_")
    try:
        fc.scope_ = "global"
    except AttributeError as e:
        assert "read-only" in str(e)
    else:
        raise AssertionError("a fitted attribute could be written")
