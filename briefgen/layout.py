"""Typeset HTML body → full HTML page: stylesheet, language and metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from .paths import TEMPLATE_DIR, find_template_file
from .templating import html_environment, render
from .workspace import Branding, Config
from .workspace import branding as default_branding

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
    trace: str = ""
    """The footer's trace line (dossier hash and date), or nothing."""


def stylesheet(dirs: tuple[Path, ...] = (TEMPLATE_DIR,)) -> Markup:
    """The print stylesheet: the first `print.css` in the template folders (editors' CSS,
    never dossier text)."""
    path = find_template_file(STYLESHEET, dirs) or TEMPLATE_DIR / STYLESHEET
    return Markup(path.read_text(encoding="utf-8"))


def page(
    body: str,
    meta: PageMeta,
    labels: Mapping[str, str],
    dirs: tuple[Path, ...] = (TEMPLATE_DIR,),
    branding: Branding | None = None,
) -> str:
    """Wrap an HTML body, already typeset (`typography.apply`), in the layout."""
    return render(
        html_environment(meta.lang, dirs),
        LAYOUT_TEMPLATE,
        {
            "meta": meta,
            "labels": labels,
            "branding": branding or default_branding(Config()),
            "body": Markup(body),
            "stylesheet": stylesheet(dirs),
        },
    )
