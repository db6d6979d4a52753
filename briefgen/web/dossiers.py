"""The workspace's dossiers: the home page, and making a new dossier or a copy of one."""

from __future__ import annotations

from flask import Blueprint, render_template

from .state import state

bp = Blueprint("dossiers", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html", dossiers=state().workspace.dossiers())
