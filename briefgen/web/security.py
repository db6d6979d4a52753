"""Who may ask what of the web application.

- The Host header must name the address the server listens on (DNS rebinding).
- Off loopback, every request carries the access token printed at start: in the
  address the first time (it is then kept in a cookie), in the cookie after.
- Every form that changes something carries the session's token and, when the
  browser sends one, an Origin of this very server.  A form whose token expired (the
  browser forgot its session) is not lost: the page shows what was typed and sends it
  again with a fresh token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask, Response, abort, redirect, render_template, request, session
from werkzeug.exceptions import Forbidden

from ..hosts import TOKEN_PARAMETER, Guard
from ..i18n import _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; frame-ancestors 'self'; form-action 'self'"
)


def session_cookie(root: Path) -> str:
    """The name of the session cookie of a server of the workspace at `root`.

    Cookies ignore ports: with one name for all, two servers on 127.0.0.1 (two workspaces)
    would overwrite each other's cookie, and every form of the other would be refused.
    Servers of one workspace share its key (`state.secret_key`), so they may share it.
    """
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()
    return f"briefgen_session_{digest[:12]}"


def csrf_token() -> str:
    """The session's form token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


class FormExpired(Forbidden):
    """A form sent without this session's token: the page was opened too long ago, or the
    browser forgot its session.  Shown as a page that gives back what was typed."""


def csrf_ok() -> bool:
    """Whether the form sent carries this session's token (its origin is not looked at)."""
    sent = request.form.get("csrf", "").encode()
    expected = str(session.get("csrf", "")).encode()
    return bool(expected) and hmac.compare_digest(sent, expected)


def _foreign() -> bool:
    """Whether the browser says the request comes from another site."""
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        return True
    return request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")


def check_csrf() -> None:
    """Refuse (403) a form sent from another site; raise FormExpired for one without this
    session's token."""
    if _foreign():
        message = _("403: this request came from another site; nothing was done")
        abort(Response(message + "\n", status=403, mimetype="text/plain"))
    if not csrf_ok():
        raise FormExpired()


def _expired(_error: FormExpired) -> Response:
    """The page of an expired form: what was typed, and a button that sends it again."""
    sent = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf"]
    typed = [
        value for name, value in sent if not name.startswith(("v:", "_")) and len(value.split()) > 1
    ]
    page = render_template(
        "expired.html",
        action=request.full_path.rstrip("?"),
        sent=sent,
        typed=typed,
        uploads=sorted(set(request.files)),
    )
    return Response(page, status=403)


def install(app: Flask, guard: Guard) -> None:
    """Check the Host and the access token before every request; set safe headers after."""

    @app.before_request
    def gatekeeper() -> Response | None:
        if not guard.host_ok(request.headers.get("Host")):
            return Response(
                _("400: this server does not answer to this address (Host header refused)") + "\n",
                status=400,
                mimetype="text/plain",
            )
        if guard.cookie is None:
            return None
        given = request.args.get(TOKEN_PARAMETER)
        if given is not None and guard.token_ok(given):
            # Kept in a cookie; the address loses it so it stays out of history and logs.
            args = request.args.to_dict(flat=False)
            args.pop(TOKEN_PARAMETER)
            query = urlencode(args, doseq=True)
            response = redirect(quote(request.path) + (f"?{query}" if query else ""), code=303)
            response.set_cookie(guard.cookie, given, httponly=True, samesite="Strict")
            return response  # type: ignore[return-value]
        if not guard.token_ok(request.cookies.get(guard.cookie)):
            return Response(
                _(
                    "403: missing or wrong access key; open the address that briefgen serve "
                    "printed when it started"
                )
                + "\n",
                status=403,
                mimetype="text/plain",
            )
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
    app.register_error_handler(FormExpired, _expired)
