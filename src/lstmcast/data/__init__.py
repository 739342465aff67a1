"""Data in: CSV files and pandas objects, checked, one series or a panel of many."""
from ..errors import DataError
from .panel import STATUS_OK, STATUSES, Panel, as_panel, load_panel_csv, summary_line, validate_panel
from .series import FILLS, load_csv, read_frame, validate_series

__all__ = ["FILLS", "STATUSES", "STATUS_OK", "DataError", "Panel", "as_panel", "load_csv", "load_panel_csv",
           "read_frame", "summary_line", "validate_panel", "validate_series"]
