"""Typeset HTML body → full HTML page: stylesheet, language and metadata."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from .fonts import subset
from .images import read_asset
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


_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)|(\ssrc=)"([^"]*)\"""")


def standalone(
    html_page: str, resolve: Callable[[str], Path | None], media_type: Callable[[Path], str]
) -> str:
    """`html_page` with the workspace files it uses (fonts, logo, images) inside it as data:
    URLs, so that the page shows the same wherever it is opened from.  Fonts are subset to
    the characters they may have to show (`fonts.subset`); a file the workspace does not
    serve keeps its reference."""
    text = html.unescape(re.sub(r"<[^>]*>", "", html_page))

    def inline(match: re.Match[str]) -> str:
        reference = html.unescape(match.group(2) or match.group(4))
        target = None if reference.startswith("data:") else resolve(reference)
        found = read_asset(target) if target is not None else None
        if target is None or not isinstance(found, bytes):
            return match.group()
        if target.suffix.lower() in (".ttf", ".otf"):
            found = subset(target, text)
        url = f"data:{media_type(target)};base64,{base64.b64encode(found).decode()}"
        return f'{match.group(3)}"{url}"' if match.group(3) else f'url("{url}")'

    return _URL.sub(inline, html_page)
