"""Scale out: run independent tasks locally or on a Ray cluster (see backend.py)."""
from .backend import BACKENDS, LocalBackend, RayBackend, current, get_backend, running, using

__all__ = ["BACKENDS", "LocalBackend", "RayBackend", "current", "get_backend", "running", "using"]
