"""Markdown for TensorBoard's Text tab: escaping table cells and code spans."""

from __future__ import annotations


def escape(text) -> str:
    """`text` as one Markdown table cell: backslashes and `|` escaped, newlines as spaces."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def code(text) -> str:
    """`text` as an inline code span in a table cell (double backticks if it holds one)."""
    text = escape(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"
