"""Where an item of the dossier is mentioned, and the edits that rename it or take it out
everywhere at once (one save, one history entry)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import _
from ..models import Dossier
from ..store import DossierFiles, Edit
from .parts import SECTION_NAMED, SECTIONS, TABLES, dossier_data, named

FieldPath = tuple[str | int, ...]


def _mentions(node: Any, table: str, item_id: str, path: FieldPath) -> Iterator[FieldPath]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == table and isinstance(value, list) and path:
                if item_id in value:
                    yield (*path, key)
            else:
                yield from _mentions(value, table, item_id, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mentions(value, table, item_id, (*path, index))


def mentions(data: dict[str, Any], table: str, item_id: str) -> list[FieldPath]:
    """The lists of ids (facts of a theme, sources of a fact…) that name `item_id`."""
    found: list[FieldPath] = []
    for key in Dossier.model_fields:
        if key in data:
            found.extend(_mentions(data[key], table, item_id, (key,)))
    return found


def _swap(values: list[Any], old: str, new: str | None) -> list[Any]:
    swapped = [new if value == old else value for value in values if new or value != old]
    return list(dict.fromkeys(swapped))


def _changed(node: Any, path: FieldPath, old: str, new: str | None) -> Any:
    """`node` with the list at `path` (below it) renamed or purged of `old`."""
    if not path:
        return _swap(node, old, new)
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, str(head): _changed(node[head], rest, old, new)}
    copy = list(node)
    copy[int(head)] = _changed(copy[int(head)], rest, old, new)
    return copy


def reference_edits(
    files: DossierFiles, table: str, old: str, new: str | None
) -> list[tuple[Path, Edit]]:
    """The edits that make every mention of `old` in lists of `table` ids read `new` (None:
    remove the mention), one per item or section that changes."""
    data = dossier_data(files)
    updated: dict[tuple[str, int | None], Any] = {}
    for path in mentions(data, table, old):
        key = str(path[0])
        if key in TABLES and len(path) > 1:
            index: int | None = int(path[1])
            item = updated.get((key, index), data[key][index])
            updated[(key, index)] = _changed(item, path[2:], old, new)
        else:
            value = updated.get((key, None), data[key])
            updated[(key, None)] = _changed(value, path[1:], old, new)
    edits = []
    for (key, index), value in updated.items():
        if index is None:
            edits.append((files.target(key, is_list=False), Edit(key, "field", None, value)))
        else:
            edits.append((files.target(key, is_list=True), Edit(key, "set", index, value)))
    return edits


@dataclass(frozen=True)
class Mention:
    """An item that mentions another, said for a rep."""

    text: str
    table: str | None
    """The list it belongs to (None: a section of the dossier)."""
    key: str
    """Its id or number in its list, or the section's name."""


def described(data: dict[str, Any], path: FieldPath) -> Mention:
    """The item holding the list at `path`, in words."""
    key = str(path[0])
    if key in TABLES and len(path) > 1 and isinstance(path[1], int):
        part = TABLES[key]
        item = data[key][int(path[1])]
        text = str(named(part, item, 70))
        if part.key in ("questions", "key_points"):
            text = _("%(item)s (n° %(number)s)", item=text, number=path[1] + 1)
        item_key = str(item.get("id")) if part.by_id else str(path[1])
        return Mention(text, key, item_key)
    section = key if key in SECTIONS else "dossier"
    return Mention(str(SECTION_NAMED[section]), None, section)


def appearances(data: dict[str, Any], fact_id: str) -> tuple[list[Mention], str]:
    """Where a fact is shown (the items that mention it) and a sentence on the tract:
    whether it is on it, and how to put it there."""
    places = [described(data, path) for path in mentions(data, "facts", fact_id)]
    tract = data.get("tract") if isinstance(data.get("tract"), dict) else None
    shown_points = int(tract.get("points", 4)) if tract else 0
    found = data.get("key_points")
    points: list[Any] = found if isinstance(found, list) else []
    on_points = [
        n + 1
        for n, point in enumerate(points[:shown_points])
        if isinstance(point, dict) and fact_id in (point.get("facts") or [])
    ]
    if tract is None:
        return places, _("The dossier has no tract yet.")
    if fact_id in (tract.get("facts") or []):
        return places, _("On the tract, among its key figures.")
    if on_points:
        return places, _("On the tract, through key point n° %(number)s.", number=on_points[0])
    return places, _(
        "Not on the tract. To put it there, add it to one of the first %(points)s key "
        "points of « The essentials », or to the tract's key figures.",
        points=shown_points,
    )
