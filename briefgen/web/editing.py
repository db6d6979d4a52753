"""The editor: add, change and delete the items of a dossier from the page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("edit", __name__)

TABLES: dict[str, str] = {}
