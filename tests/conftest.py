import os

# Keras is the reference in these tests; it must use the JAX backend (set before keras loads).
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest


def pytest_collection_modifyitems(config, items):
    """The README's examples first: the longest module by far. Under pytest-xdist (two workers, --dist
    loadfile in pyproject.toml) one worker takes it at the start while the other runs the rest, instead
    of one worker finishing it alone at the end."""
    items.sort(key=lambda item: item.path.name != "test_readme.py")     # stable: the rest keep their order


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="module")
def _fresh_compiled_programs():
    """Drop JAX's compiled programs after each test module. Every program an XLA CPU build compiles keeps its
    own memory mappings, and one process running the whole suite compiles thousands (random panels,
    every framing): past the kernel's vm.max_map_count (65,530 by default) the next mapping fails and the
    process dies with a segmentation fault."""
    yield
    import sys
    if "jax" in sys.modules:                        # only when the module used JAX
        import jax
        jax.clear_caches()
