"""Who may ask what of the web application.

- The Host header must name the address the server listens on (DNS rebinding).
- Off loopback, every request carries the access token printed at start: in the
  address the first time (it is then kept in a cookie), in the cookie after.
- Every form that changes something carries the session's token and, when the
  browser sends one, an Origin of this very server.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote, urlencode

from flask import Flask, Response, abort, redirect, request, session

from ..hosts import TOKEN_COOKIE, TOKEN_PARAMETER, Guard

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; frame-ancestors 'self'; form-action 'self'"
)


def csrf_token() -> str:
    """The session's form token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    """Refuse (403) a form without this session's token, or sent from another site."""
    sent = request.form.get("csrf", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(403, "jeton de formulaire invalide : rechargez la page")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
        abort(403, "requête venue d'un autre site")


def install(app: Flask, guard: Guard) -> None:
    """Check the Host and the access token before every request; set safe headers after."""

    @app.before_request
    def gatekeeper() -> Response | None:
        if not guard.host_ok(request.headers.get("Host")):
            return Response(
                "400 : adresse inconnue de ce serveur (en-tête Host refusé)\n",
                status=400,
                mimetype="text/plain",
            )
        if guard.token is None:
            return None
        given = request.args.get(TOKEN_PARAMETER)
        if given is not None and guard.token_ok(given):
            # Kept in a cookie; the address loses it so it stays out of history and logs.
            args = request.args.to_dict(flat=False)
            args.pop(TOKEN_PARAMETER)
            query = urlencode(args, doseq=True)
            response = redirect(quote(request.path) + (f"?{query}" if query else ""), code=303)
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="Strict")
            return response  # type: ignore[return-value]
        if not guard.token_ok(request.cookies.get(TOKEN_COOKIE)):
            return Response(
                "403 : jeton d'accès manquant ou invalide ; ouvrez l'adresse affichée au "
                "démarrage de briefgen serve\n",
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
