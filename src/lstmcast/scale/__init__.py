"""Scale out: run independent tasks locally or on a Ray cluster (see backend.py)."""
from .backend import BACKENDS, LocalBackend, RayBackend, get_backend

__all__ = ["BACKENDS", "LocalBackend", "RayBackend", "get_backend"]
