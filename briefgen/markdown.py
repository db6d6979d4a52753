"""Markdown → HTML body, with the extensions configured once."""

from __future__ import annotations

import markdown as md

EXTENSIONS = ["tables", "footnotes", "attr_list", "toc", "md_in_html", "sane_lists"]
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2"}}


def to_html(text: str) -> str:
    """Convert a document's Markdown to the HTML of its body."""
    converter = md.Markdown(
        extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    return converter.convert(text)
