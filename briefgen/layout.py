"""HTML body → full HTML page: typography, stylesheet, language and metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

from . import typography
from .templating import TEMPLATE_DIR, html_environment, render

LAYOUT_TEMPLATE = "layout.html.j2"
STYLESHEET = "print.css"


@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself: it becomes the PDF's metadata."""

    title: str
    lang: str = "fr"
    author: str = ""
    subject: str = ""
    keywords: list[str] = field(default_factory=list)
    kind: str = "document"
    running_title: str = ""
    created: str = ""
    scale: float = 1.0


def stylesheet() -> Markup:
    """The print stylesheet, from the template folder (editors' CSS, not dossier text)."""
    return Markup((TEMPLATE_DIR / STYLESHEET).read_text(encoding="utf-8"))


def page(body: str, meta: PageMeta, labels: Mapping[str, str]) -> str:
    """Wrap an HTML body in the layout, with the language's typography applied."""
    return render(
        html_environment(meta.lang),
        LAYOUT_TEMPLATE,
        {
            "meta": meta,
            "labels": labels,
            "body": Markup(typography.apply(body, meta.lang)),
            "stylesheet": stylesheet(),
        },
    )
