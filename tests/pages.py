"""Reading the web page's HTML as a browser does: its forms and what they would send, the
text a rep reads, the messages beside an input (shared by the page's tests)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse


@dataclass
class Form:
    """A form of a page and what a browser would send for it."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return next(value for key, value in self.fields if key == name)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def fill(self, **values: str | list[str]) -> Form:
        """Type into inputs (`quote__text` for `quote.text`); a list ticks those boxes."""
        for key, value in values.items():
            name = key.replace("__", ".")
            position = next((i for i, (k, _) in enumerate(self.fields) if k == name), None)
            self.fields = [(k, v) for k, v in self.fields if k != name]
            given = value if isinstance(value, list) else [value]
            at = len(self.fields) if position is None else position
            self.fields[at:at] = [(name, v) for v in given]
        return self

    def data(self) -> MultiDict[str, str]:
        return MultiDict(self.fields)


class _Forms(HTMLParser):
    """The forms of a page with the values a browser would submit for each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag == "form":
            self.forms.append(Form(found.get("action") or ""))
        elif not self.forms:
            return
        elif tag == "input" and name:
            kind = found.get("type") or "text"
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self.forms[-1].fields.append((name, found.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((found.get("value") or "", "selected" in found))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.forms[-1].fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            options = chosen or [value for value, _ in self._options[:1]]
            self.forms[-1].fields.extend((self._select, value) for value in options[:1])
            self._select = None


def forms(page: str) -> list[Form]:
    parser = _Forms()
    parser.feed(page)
    parser.close()
    return parser.forms


def form(page: str, action: str) -> Form:
    """The form of `page` that posts to `action`."""
    found = [f for f in forms(page) if f.action == action]
    assert len(found) == 1, [f.action for f in forms(page)]
    return found[0]


def open_form(client: FlaskClient, url: str, action: str | None = None) -> Form:
    response = client.get(url)
    assert response.status_code == 200
    return form(response.get_data(as_text=True), action or url)


def submit(client: FlaskClient, sent: Form) -> TestResponse:
    return client.post(sent.action, data=sent.data())


def text(page: str) -> str:
    """What the page reads as: tags left out, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def messages(page: str, name: str) -> list[str]:
    """The messages shown next to the input `name` ('_' for the form's own)."""
    box = re.search(rf'<div class="msgs" id="m-{re.escape(name)}">(.*?)</div>', page, re.S)
    assert box, name
    return [text(m) for m in re.findall(r"<p [^>]*>(.*?)</p>", box.group(1), re.S)]


def flashes(page: str) -> list[str]:
    box = re.search(r'<div class="flashes">(.*?)</div>', page, re.S)
    return [text(m) for m in re.findall(r"<p [^>]*>(.*?)</p>", box.group(1), re.S)] if box else []


def form_values(page: str) -> dict[str, str]:
    """What the inputs of the page's (last) editing form hold."""
    edit = [f for f in forms(page) if any(k == "csrf" for k, _ in f.fields)]
    return dict(edit[-1].fields)
