"""Undoing one save of a YAML file that changed since, item by item.

A save changed some items of a file (`before` → `after`); later saves may have changed other
items (`after` → `now`).  Undoing the first save puts back, in `now`, what it changed and
nothing else: an item it added is deleted, an item it deleted comes back (at the end of its
list), each field it changed in an item gets its earlier value, an order it changed is put
back.  The undo is refused (`None`) when a later save changed the same thing since: the same
field of the same item, an item it added or deleted, a list without ids, another top-level
field it changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .store import Edit

MISSING = object()
"""A field an item does not have."""


class _Clash(Exception):
    """A later save changed what the undone save changed."""


def _ids(items: list[Any]) -> list[str] | None:
    """The ids of a list's items, or None for a list whose items are not all mappings with a
    distinct id (its items cannot be told apart)."""
    ids = [item.get("id") for item in items if isinstance(item, Mapping)]
    if len(ids) != len(items) or None in ids or len(set(ids)) != len(ids):
        return None
    return [str(i) for i in ids]


def _fields(before: Mapping[str, Any], after: Mapping[str, Any], now: Mapping[str, Any]) -> Any:
    """The item `now` with the fields changed from `before` to `after` put back."""
    item = dict(now)
    for name in before.keys() | after.keys():
        old, new = before.get(name, MISSING), after.get(name, MISSING)
        if old == new:
            continue
        if item.get(name, MISSING) != new:
            raise _Clash
        if old is MISSING:
            del item[name]
        else:
            item[name] = old
    return item


def _order(before: list[str], after: list[str], now: list[str]) -> list[str]:
    """The ids of `now` in `before`'s order if the save changed the order of the ids the
    three share (and nothing changed it since), else `now`'s order."""
    shared = set(before) & set(after) & set(now)
    was = [i for i in before if i in shared]
    became = [i for i in after if i in shared]
    if was == became:
        return now
    if [i for i in now if i in shared] != became:
        raise _Clash
    put_back = iter(was)
    return [next(put_back) if i in shared else i for i in now]


def _list_edits(key: str, before: list[Any], after: list[Any], now: list[Any]) -> Iterator[Edit]:
    """The edits that undo, in `now`, what the save changed in the list `key`."""
    was_ids, then_ids, now_ids = _ids(before), _ids(after), _ids(now)
    if was_ids is None or then_ids is None or now_ids is None:
        if now != after:
            raise _Clash
        yield Edit(key, "field", None, before)
        return
    was = dict(zip(was_ids, before, strict=True))
    then = dict(zip(then_ids, after, strict=True))
    current = dict(zip(now_ids, now, strict=True))
    wanted = dict(current)
    for item_id in then.keys() - was.keys():  # added by the save
        if item_id in current and current[item_id] != then[item_id]:
            raise _Clash
        wanted.pop(item_id, None)
    for item_id in was.keys() - then.keys():  # deleted by the save
        if item_id in current:
            raise _Clash
        wanted[item_id] = was[item_id]
    for item_id in was.keys() & then.keys():
        if was[item_id] != then[item_id]:
            if item_id not in current:
                raise _Clash
            wanted[item_id] = _fields(was[item_id], then[item_id], current[item_id])
    kept = [i for i in now_ids if i in wanted]
    back = [i for i in was_ids if i in wanted and i not in current]  # at the end
    order = _order(was_ids, then_ids, kept) + back
    yield from _rewrites(key, now_ids, current, [(i, wanted[i]) for i in order])


def _rewrites(
    key: str, now_ids: list[str], current: dict[str, Any], wanted: list[tuple[str, Any]]
) -> Iterator[Edit]:
    """Edits taking the list from `now_ids` (items `current`) to `wanted`: deletes, changes
    in place, additions at the end, then the items whose place changed."""
    keep = {i for i, _ in wanted}
    ids = list(now_ids)
    for index in reversed(range(len(ids))):
        if ids[index] not in keep:
            yield Edit(key, "delete", index)
            del ids[index]
    target = dict(wanted)
    for index, item_id in enumerate(ids):
        if target[item_id] != current[item_id]:
            yield Edit(key, "set", index, target[item_id])
    for item_id, item in wanted:
        if item_id not in ids:
            yield Edit(key, "add", None, item)
            ids.append(item_id)
    for index, (item_id, item) in enumerate(wanted):
        if ids[index] != item_id:
            yield Edit(key, "set", index, item)


def undo_edits(
    before: Mapping[str, Any], after: Mapping[str, Any], now: Mapping[str, Any]
) -> list[Edit] | None:
    """The edits that undo, in the file's data `now`, the save that took it from `before` to
    `after`; None when a later save changed the same thing, or when nothing is left to undo."""
    edits: list[Edit] = []
    try:
        for key in [*before, *(k for k in after if k not in before)]:
            old, new, today = before.get(key), after.get(key), now.get(key)
            if old == new:
                continue
            if isinstance(old, list) and isinstance(new, list) and isinstance(today, list):
                edits += _list_edits(key, old, new, today)
            elif today != new:
                raise _Clash
            else:
                edits.append(Edit(key, "field", None, old))
    except _Clash:
        return None
    return edits or None
