"""Pre-processing as pure functions of arrays: invertible transforms and windows."""
