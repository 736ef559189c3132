"""CSV files people open in spreadsheet programs: UTF-8 with a byte-order mark, and no cell that runs."""

import csv
import io
import re

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number ("-3", "+12", "-0.5") is no formula: it stays a number.
SIGNED_NUMBER = re.compile(r"[+-][0-9]+(\.[0-9]+)?")


def safe_cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs: a leading apostrophe before a formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not SIGNED_NUMBER.fullmatch(text) else text


def csv_bytes(header, rows):
    """The rows as a CSV file: every cell made safe, UTF-8 with a BOM so that Excel reads the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in (header, *rows):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
