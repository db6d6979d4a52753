"""The editor: add, change and delete the parts of a dossier from the page, import sources,
and undo a save.

Every save goes through the same steps: the form is read back into the part's
model (its messages beside the inputs); the dossier as it would be after the
save is checked by the rules of `briefgen check` (an error the save would
bring blocks it, warnings are shown); the file must not have changed since the
form was opened; then `briefgen.store` writes the lines of that item only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from pydantic import BaseModel

from ..errors import BriefgenError, Problem
from ..importer import snapshot_path
from ..store import DossierFiles, Edit, StaleError, commit
from .findings import RULES_FR, check_after, who
from .forms import CHOICES, READONLY, FormField, form_fields, parse, to_write, validate, values_for
from .parts import SECTIONS, TABLES, Part, raw_items
from .security import check_csrf
from .state import State, state

bp = Blueprint("edit", __name__)


def _files(app_state: State, dossier_id: str) -> DossierFiles:
    return DossierFiles.in_workspace(app_state.workspace.root, app_state.dossier_dir(dossier_id))


def _part(table: str) -> Part:
    if table not in TABLES:
        abort(404)
    return TABLES[table]


def _index(part: Part, items: list[dict[str, Any]], key: str) -> int:
    """The position of the item a URL names: by id, or by number for lists without ids."""
    if part.by_id:
        found = [i for i, item in enumerate(items) if item.get("id") == key]
        if found:
            return found[0]
    elif key.isdigit() and 0 <= int(key) < len(items):
        return int(key)
    abort(404)


def _key(part: Part, items: list[dict[str, Any]], index: int) -> str:
    return str(items[index].get("id")) if part.by_id else str(index)


def _choices(files: DossierFiles) -> dict[str, list[tuple[str, str]]]:
    """For each list a picker draws from: (id, what it is) of every item."""
    shown = {"sources": "title", "facts": "statement", "legal": "article"}
    choices = {}
    for key, field in shown.items():
        items = raw_items(files, TABLES[key])
        choices[key] = [
            (str(item.get("id")), _short(str(item.get(field, "")), item, key)) for item in items
        ]
    return choices


def _short(text: str, item: Mapping[str, Any], key: str) -> str:
    if key == "legal":
        text = f"{item.get('code', '')} {text}"
    return text if len(text) <= 110 else text[:107].rstrip() + "…"


def _expected(form: Mapping[str, str]) -> dict[str, str]:
    return {name[2:]: value for name, value in form.items() if name.startswith("v:")}


def _field_name(field: str, prefix: str) -> str:
    """'facts[3].quote.text' → 'quote.text' for the item at 'facts[3]'."""
    rest = field[len(prefix) :].lstrip(".")
    return re.sub(r"\[\d+\]", "", rest) or "_"


@dataclass
class Assessment:
    """What `briefgen check` says of the dossier as a save would leave it."""

    errors: dict[str, list[str]]
    """Errors the save would bring, by input name ('_' for the rest of the dossier)."""
    warnings: dict[str, list[str]]
    """Warnings on the item, by input name."""
    blocking: list[Problem]


def assess(
    app_state: State, folder: Path, edits: list[tuple[Path, Edit]], prefix: str
) -> Assessment:
    """What `briefgen check` would say once `edits` are made: (errors the edits bring,
    warnings), by input name for the item at `prefix` ('facts[3]'), '_' for the rest.
    """
    texts: dict[str, str | None] = {}
    for path, edit in edits:
        name = path.name
        if name not in texts:
            texts[name] = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        texts[name] = edit.apply(texts[name] or "")
    new, after = check_after(app_state, folder, texts)
    result = Assessment({}, {}, [])
    for problem in after:
        field = problem.field or ""
        mine = field == prefix or field.startswith((prefix + ".", prefix + "["))
        name = _field_name(field, prefix) if mine else "_"
        text = problem.message if mine else f"{field} : {problem.message}"
        label = RULES_FR.get(problem.code or "", "")
        text = f"{label} — {text}" if label else text
        if problem in new:
            result.errors.setdefault(name, []).append(text)
            result.blocking.append(problem)
        elif mine:
            result.warnings.setdefault(name, []).append(text)
    return result


def _render_form(
    dossier_id: str,
    title: str,
    fields: list[FormField],
    values: Mapping[str, Any],
    action: str,
    versions: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    warnings: Mapping[str, list[str]] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    files = _files(state(), dossier_id)
    page = render_template(
        "edit_form.html",
        dossier_id=dossier_id,
        title=title,
        fields=fields,
        values=values,
        action=action,
        versions=versions,
        errors=errors or {},
        warnings=warnings or {},
        choices=_choices(files),
        choice_labels=CHOICES,
        **extra,
    )
    return Response(page, status=status)


@bp.get("/d/<dossier_id>/edit/<table>")
def table_page(dossier_id: str, table: str) -> str:
    part = _part(table)
    files = _files(state(), dossier_id)
    items = raw_items(files, part)
    rows = [
        (_key(part, items, i), str(item.get("id", "")), str(item.get(part.summary, "")))
        for i, item in enumerate(items)
    ]
    versions = files.versions([files.target(part.key, is_list=True)])
    return render_template(
        "edit_list.html", dossier_id=dossier_id, part=part, rows=rows, versions=versions
    )


def _item_form(dossier_id: str, part: Part, key: str | None, **extra: Any) -> Response:
    files = _files(state(), dossier_id)
    items = raw_items(files, part)
    item = items[_index(part, items, key)] if key is not None else None
    path = files.target(part.key, is_list=True)
    values = values_for(form_fields(part.model), item)
    values.update(extra.pop("prefill", {}))
    return _render_form(
        dossier_id,
        f"Modifier {part.one}" if item else f"Ajouter {part.one}",
        form_fields(part.model),
        values,
        request.path,
        files.versions([path]),
        part=part,
        item_key=key,
        **extra,
    )


@bp.get("/d/<dossier_id>/edit/<table>/new")
def new_item(dossier_id: str, table: str) -> Response:
    return _item_form(dossier_id, _part(table), None)


@bp.get("/d/<dossier_id>/edit/<table>/item/<key>")
def edit_item(dossier_id: str, table: str, key: str) -> Response:
    return _item_form(dossier_id, _part(table), key)


def _pending(app_state: State, token: str) -> Any:
    return app_state.imports.get(token) if token else None


def _submitted(
    dossier_id: str, part: Part, key: str | None
) -> tuple[DossierFiles, Path, Edit | None, dict[str, Any], dict[str, list[str]], str, Any]:
    """Read a submitted item form: (files, file, the edit or None, data, model errors,
    the item's prefix in check's field paths, the pending import)."""
    app_state = state()
    files = _files(app_state, dossier_id)
    items = raw_items(files, part)
    index = _index(part, items, key) if key is not None else None
    before = items[index] if index is not None else None
    data = parse(form_fields(part.model), request.form)
    pending = _pending(app_state, request.form.get("_import", ""))
    for name in READONLY:
        if before and name in before:
            data[name] = before[name]
    if pending is not None and part.key == "sources" and data.get("id"):
        data["snapshot"] = snapshot_path(str(data["id"]))
        data["sha256"] = pending.sha256
    item, errors = validate(part.model, data)
    path = files.target(part.key, is_list=True)
    prefix = f"{part.key}[{index if index is not None else len(items)}]"
    if item is None:
        return files, path, None, data, errors, prefix, pending
    written = to_write(part.model, item, before)
    action = "set" if index is not None else "add"
    return files, path, Edit(part.key, action, index, written), data, {}, prefix, pending


def _retry(
    dossier_id: str,
    part: Part,
    key: str | None,
    files: DossierFiles,
    path: Path,
    errors: Mapping[str, list[str]],
    warnings: Mapping[str, list[str]] | None = None,
    status: int = 422,
    versions: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The form again, with what the rep typed and what is wrong with it."""
    fields = form_fields(part.model)
    values = values_for(fields, parse(fields, request.form))
    versions = versions or _expected(request.form) or files.versions([path])
    return _render_form(
        dossier_id,
        f"Modifier {part.one}" if key else f"Ajouter {part.one}",
        fields,
        values,
        request.path,
        versions,
        errors,
        warnings,
        status,
        part=part,
        item_key=key,
        import_token=request.form.get("_import", ""),
        **extra,
    )


def _save_item(dossier_id: str, table: str, key: str | None) -> Response:
    check_csrf()
    part = _part(table)
    app_state = state()
    files, path, edit, data, errors, prefix, pending = _submitted(dossier_id, part, key)
    if edit is None:
        return _retry(dossier_id, part, key, files, path, errors)
    found = assess(app_state, files.folder, [(path, edit)], prefix)
    warnings = found.warnings
    if found.errors:
        return _retry(dossier_id, part, key, files, path, found.errors, warnings)
    extra: dict[Path, bytes | None] = {}
    if pending is not None and data.get("snapshot"):
        snapshot = files.folder / data["snapshot"]
        if snapshot.exists():
            taken = f"{data['snapshot']} existe déjà : choisissez un autre identifiant"
            return _retry(dossier_id, part, key, files, path, {"id": [taken]})
        extra[snapshot] = pending.text.encode("utf-8")
    label = str(data.get("id") or data.get(part.summary, ""))[:60]
    summary = f"{part.title} : {'modification' if key else 'ajout'} de « {label} »"
    try:
        saved = files.save([(path, edit)], _expected(request.form), summary, extra)
    except StaleError as stale:
        now = files.versions([path])  # what the rep is shown: saving again replaces it
        theirs = _current(files, part, key)
        return _retry(
            dossier_id,
            part,
            key,
            files,
            path,
            {"_": [_stale_message(stale)]},
            status=409,
            versions=now,
            conflict={"theirs": theirs, "mine": data},
        )
    except BriefgenError as error:
        return _retry(dossier_id, part, key, files, path, {"_": [str(p) for p in error.problems]})
    if pending is not None:
        app_state.imports.pop(request.form.get("_import", ""), None)
    _after_save(app_state, files, saved.summary, [path, *extra])
    for name, messages in warnings.items():
        for message in messages:
            flash(f"À vérifier ({name}) : {message}", "warning")
    return redirect(url_for("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]


def _current(files: DossierFiles, part: Part, key: str | None) -> dict[str, Any] | None:
    """The item as the file holds it now, or None (new, or gone)."""
    items = raw_items(files, part)
    if key is None:
        return None
    if part.by_id:
        return next((item for item in items if item.get("id") == key), None)
    return items[int(key)] if key.isdigit() and int(key) < len(items) else None


def _stale_message(stale: StaleError) -> str:
    return (
        f"{stale.path.name} a été modifié depuis l'ouverture du formulaire (par un autre élu ou "
        "dans un éditeur) : rien n'a été enregistré. Comparez les deux versions ci-dessous, "
        "puis enregistrez à nouveau."
    )


def _after_save(app_state: State, files: DossierFiles, summary: str, paths: list[Path]) -> None:
    flash(f"Enregistré : {summary}. Le dossier a été vérifié à nouveau.", "ok")
    if app_state.commit:
        reason = commit(app_state.workspace.root, paths, f"briefgen: {summary}")
        if reason:
            flash(f"Pas de commit git : {reason}", "warning")


@bp.post("/d/<dossier_id>/edit/<table>/new")
def save_new(dossier_id: str, table: str) -> Response:
    return _save_item(dossier_id, table, None)


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>")
def save_item(dossier_id: str, table: str, key: str) -> Response:
    return _save_item(dossier_id, table, key)


@bp.post("/d/<dossier_id>/edit/<table>/check")
def check_item(dossier_id: str, table: str) -> Response:
    """Validation as the rep types: the messages a save would give, nothing written."""
    check_csrf()
    part = _part(table)
    key = request.form.get("_item") or None
    files, path, edit, _, errors, prefix, _ = _submitted(dossier_id, part, key)
    warnings: dict[str, list[str]] = {}
    if edit is not None:
        found = assess(state(), files.folder, [(path, edit)], prefix)
        errors, warnings = found.errors, found.warnings
    return jsonify(errors=errors, warnings=warnings)


@bp.get("/d/<dossier_id>/edit/choices")
def choices(dossier_id: str) -> Response:
    """What the pickers offer now, for a form opened before a new source was added."""
    return jsonify(_choices(_files(state(), dossier_id)))


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>/delete")
def delete_item(dossier_id: str, table: str, key: str) -> Response:
    check_csrf()
    part = _part(table)
    app_state = state()
    files = _files(app_state, dossier_id)
    items = raw_items(files, part)
    index = _index(part, items, key)
    path = files.target(part.key, is_list=True)
    edit = Edit(part.key, "delete", index)
    found = assess(app_state, files.folder, [(path, edit)], f"{part.key}[{index}]")
    if found.blocking:
        users = sorted({who(files, problem.field or "") for problem in found.blocking})
        flash(
            f"« {key} » n'a pas été supprimé : il est encore utilisé par {', '.join(users)}. "
            "Retirez-le de ces éléments d'abord.",
            "error",
        )
        return redirect(url_for("edit.table_page", dossier_id=dossier_id, table=table), code=303)  # type: ignore[return-value]
    label = str(items[index].get("id") or items[index].get(part.summary, ""))[:60]
    try:
        saved = files.save(
            [(path, edit)], _expected(request.form), f"{part.title} : suppression de « {label} »"
        )
    except StaleError as stale:
        flash(_stale_message(stale), "error")
        return redirect(url_for("edit.table_page", dossier_id=dossier_id, table=table), code=303)  # type: ignore[return-value]
    _after_save(app_state, files, saved.summary, [path])
    return redirect(url_for("edit.table_page", dossier_id=dossier_id, table=table), code=303)  # type: ignore[return-value]


# -- parts edited as one form -----------------------------------------------------------


def _section(name: str) -> tuple[str, type[BaseModel]]:
    if name not in SECTIONS:
        abort(404)
    return SECTIONS[name]


def _section_keys(name: str, model: type[BaseModel]) -> list[str]:
    return list(model.model_fields) if name == "dossier" else [name]


def _section_paths(files: DossierFiles, name: str, model: type[BaseModel]) -> dict[str, Path]:
    return {key: files.target(key, is_list=False) for key in _section_keys(name, model)}


def _section_data(files: DossierFiles, name: str, model: type[BaseModel]) -> dict[str, Any]:
    if name == "dossier":
        found = {key: files.raw(key) for key in model.model_fields}
        return {key: value for key, value in found.items() if value is not None}
    raw = files.raw(name)
    return raw if isinstance(raw, dict) else {}


@bp.get("/d/<dossier_id>/section/<name>")
def edit_section(dossier_id: str, name: str) -> Response:
    title, model = _section(name)
    files = _files(state(), dossier_id)
    fields = form_fields(model)
    paths = _section_paths(files, name, model)
    return _render_form(
        dossier_id,
        title,
        fields,
        values_for(fields, _section_data(files, name, model)),
        request.path,
        files.versions(list(dict.fromkeys(paths.values()))),
    )


@bp.post("/d/<dossier_id>/section/<name>")
def save_section(dossier_id: str, name: str) -> Response:
    check_csrf()
    title, model = _section(name)
    app_state = state()
    files = _files(app_state, dossier_id)
    fields = form_fields(model)
    paths = _section_paths(files, name, model)
    before = _section_data(files, name, model)
    data = parse(fields, request.form)
    item, errors = validate(model, data)
    found = None
    if item is not None:
        written = to_write(model, item, before)
        if name == "dossier":
            edits = [(paths[k], Edit(k, "field", None, written.get(k))) for k in paths]
        else:
            edits = [(paths[name], Edit(name, "field", None, written))]
        found = assess(app_state, files.folder, edits, "" if name == "dossier" else name)
        errors = found.errors
    retry: dict[str, Any] = {
        "dossier_id": dossier_id,
        "title": title,
        "fields": fields,
        "values": values_for(fields, data),
        "action": request.path,
        "versions": _expected(request.form),
    }
    if errors or found is None:
        return _render_form(**retry, errors=errors, status=422)
    try:
        saved = files.save(edits, _expected(request.form), f"{title} : modification")
    except StaleError as stale:
        retry["versions"] = files.versions(list(dict.fromkeys(paths.values())))
        conflict = {"theirs": _section_data(files, name, model), "mine": data}
        return _render_form(
            **retry, errors={"_": [_stale_message(stale)]}, status=409, conflict=conflict
        )
    _after_save(app_state, files, saved.summary, list(dict.fromkeys(paths.values())))
    return redirect(url_for("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
