"""Data in: CSV files and pandas objects, checked, one series or a panel of many."""
from ..errors import DataError
from .series import FILLS, load_csv, read_frame, validate_series

__all__ = ["DataError", "FILLS", "load_csv", "read_frame", "validate_series"]
