"""`briefgen serve`: a local web application to write, check, preview and produce a dossier.

- `state`    what the application knows: the workspace, the builds, the history
- `security` who may ask: the Host header, the access token, the form token
- `routes`   the viewer: dossiers, findings, previews, builds and downloads
- `forms`    HTML forms derived from the dossier's Pydantic models
- `editing`  the editor: add, change and delete items, import sources, undo

It renders through the same pipeline and sandbox as the command line, and
writes the dossier through `briefgen.store`, as an editor of the YAML would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask

from .. import i18n
from ..hosts import Guard, guard_for
from ..warm import WarmPool
from ..workspace import Workspace
from . import dossiers, editing, history, imports, lists, panel, routes, security, thread
from .state import State, secret_key

WEB_DIR = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 6 * 1024 * 1024
"""Largest request body: an article saved as HTML or PDF, with room for the form."""


def create_app(
    workspace: Workspace,
    today: dt.date | None = None,
    guard: Guard | None = None,
    commit: bool = False,
    ui_lang: str = "fr",
    render_workers: int = 0,
) -> Flask:
    """The web application for one workspace.

    `guard` says which Host names (and which access token) are accepted; by
    default, those of a server on 127.0.0.1.  With `commit`, every save is also
    a git commit when the workspace is a git repository.  The page speaks `ui_lang`
    (French unless `serve --ui-lang` says otherwise).  Documents are rendered by
    `render_workers` warm worker processes (`briefgen.warm`; `serve` starts two), or in
    the request's own thread with none (the test client's default).
    """
    app = Flask(
        __name__,
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
    )
    app.secret_key = secret_key(workspace)
    app.config.update(
        SESSION_COOKIE_NAME=security.session_cookie(workspace.root),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        MAX_FORM_PARTS=2000,
    )
    pool = WarmPool(render_workers)
    app.extensions["briefgen"] = State(workspace, today, commit=commit, render=pool)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.before_request
    def speak() -> None:
        i18n.set_language(ui_lang)

    security.install(app, guard or guard_for("127.0.0.1"))
    app.register_blueprint(dossiers.bp)
    app.register_blueprint(routes.bp)
    app.register_blueprint(editing.bp)
    app.register_blueprint(lists.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(thread.bp)
    app.register_blueprint(panel.bp)
    panel.install(app, pool)
    return app
