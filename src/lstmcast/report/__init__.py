"""Figures and reports: plot.py draws PNGs (matplotlib); html.py writes the self-contained HTML report
(`write_report`), from the numbers in tables.py, the embedded data in payload.py and the page's page.js."""
