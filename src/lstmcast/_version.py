"""The package version, in one place (imported by the model files, the cache keys and the CLI)."""
__version__ = "0.1.0"
