"""Loading a dossier folder: every problem names its file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen.errors import InputError
from briefgen.load import load_dossier

Edit = Callable[[str, str, str], Path]


def messages(folder: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_dossier(folder)
    assert info.value.exit_code == 2
    prefix = f"{folder}/"
    return [str(p).replace(prefix, "") for p in info.value.problems]


def test_minimal_dossier_loads(minimal: Path) -> None:
    dossier = load_dossier(minimal)
    assert dossier.id == "minimal"
    assert [f.id for f in dossier.facts] == ["outil-teste", "sites", "consultation"]


def test_unknown_source_names_file_line_field_and_known_ids(edit: Edit) -> None:
    folder = edit("facts.yaml", "sources: [journal]", "sources: [insee]")
    assert messages(folder) == [
        "facts.yaml:7: facts[0].sources[0]: unknown source 'insee' (known: journal, direction)",
    ]


def test_misspelt_field_gets_a_suggestion(edit: Edit) -> None:
    folder = edit("facts.yaml", "    statement: Le test", "    statment: Le test")
    assert messages(folder) == [
        "facts.yaml:8: facts[1].statement: required field is missing",
        "facts.yaml:9: facts[1].statment: unknown field (did you mean 'statement'?)",
    ]


def test_wrong_type_names_the_line(edit: Edit) -> None:
    folder = edit("facts.yaml", "value: 12", "value: douze")
    assert messages(folder) == ["facts.yaml:4: facts[0].value: must be a number"]


def test_impossible_date(edit: Edit) -> None:
    folder = edit("dossier.yaml", "  date: 2026-12-01", "  date: 2026-02-30")
    assert messages(folder) == ["dossier.yaml:8: meeting.date: '2026-02-30' is not a real date"]


def test_missing_top_level_field(edit: Edit) -> None:
    folder = edit("dossier.yaml", "title: Un dossier minimal\n", "")
    assert messages(folder) == ["dossier.yaml:1: title: required field is missing"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"facts:\n  - id: x\n\tstatement: y\n",
            "extra.yaml:3: invalid YAML: a tab character; indent with spaces, not tabs",
        ),
        (
            b"a: &a [1]\nb: *a\n",
            "extra.yaml:1: invalid YAML: anchors and aliases (&, *) are not allowed in a dossier",
        ),
        (
            b"subtitle: x\nsubtitle: y\n",
            "extra.yaml:2: subtitle: duplicate key 'subtitle' (first set at line 1)",
        ),
        (
            b"subtitle: caf\xe9\n",
            "extra.yaml:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
        ),
        (
            b"- a\n- b\n",
            "extra.yaml:1: expected a mapping of dossier fields (key: value) at the top level",
        ),
        (b"title: Autre\n", "extra.yaml:1: title: 'title' is already set in dossier.yaml"),
        (
            b"subtitle: [unclosed\n",
            "extra.yaml:2: invalid YAML: while parsing a flow sequence expected ',' or ']', "
            "but got '<stream end>'",
        ),
        (b"1: x\n", "extra.yaml:1: a key must be text, not 1"),
        (
            b"title2: x\nsubtitle: a\x07b\n",
            "extra.yaml:2: invalid YAML: an invisible control character (U+0007); delete it",
        ),
    ],
)
def test_broken_yaml_file(minimal: Path, content: bytes, expected: str) -> None:
    (minimal / "extra.yaml").write_bytes(content)
    assert messages(minimal) == [expected]


def test_empty_file_and_byte_order_mark_are_accepted(minimal: Path) -> None:
    (minimal / "empty.yaml").write_bytes(b"")
    (minimal / "bom.yaml").write_bytes(b"\xef\xbb\xbfsubtitle: Avec BOM\n")
    assert load_dossier(minimal).subtitle == "Avec BOM"


def test_folder_without_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \.yaml file in this dossier folder"):
        load_dossier(tmp_path)


def test_huge_file_is_refused_before_parsing(minimal: Path) -> None:
    (minimal / "huge.yaml").write_bytes(b"# " + b"x" * (3 * 1024 * 1024))
    assert messages(minimal)[0].startswith("huge.yaml:1: file too large")


YAML_CORNERS = [
    "a: 1\r\nb: [x, y]\r\n",
    "subtitle: >\n  plié\n  sur deux lignes  \n\n",
    "subtitle: |-\n  garde\n   ses retours\n",
    "a: yes\nb: off\nc: 0o17\nd: 1_000\ne: .inf\nf: ~\ng: 2026-02-30\nh: 2026-12-07T10:00:00Z\n",
    "a: !!str 12\nb: !perso x\nc: !!python/object:os.system echo\n",
    "<<: {a: 1}\n",
    "? [un, deux]\n: x\n",
    "a: 1\n---\nb: 2\n",
    "a: cloche \x07 ici\n",
    "a: ligne\u2028séparée\x85et NEL\n",
    "a: " + "[" * 60 + "]" * 60 + "\n",
    "a: " + "[" * 2000 + "]" * 2000 + "\n",
    "a:\n" + "".join(" " * i + "- \n" for i in range(30)),
    "a: 'fermée\nb: 2\n",
    'a: "\\x41\\u00e9\\N"\n',
    "a: b: c\n",
    "\ta: 1\n",
    "a: 1 # commentaire\n#: fin\n",
    "- x\n",
    "",
]


def _read_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    from briefgen import load

    results: list[object] = []
    for fast in (load._FastLoader, None):
        monkeypatch.setattr(load, "_FastLoader", fast)
        monkeypatch.setattr(load, "_PARSED", load._Parsed())
        try:
            document = load._Document(path)
            results.append((document.data, document.lines))
        except InputError as error:
            results.append([str(p) for p in error.problems])
    return results


@pytest.mark.parametrize("text", YAML_CORNERS)
def test_libyaml_and_python_read_a_text_alike(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen import load

    assert load._FastLoader is not None  # PyYAML's wheels carry libyaml
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    fast, python = _read_both(path, monkeypatch)
    assert fast == python


def test_libyaml_and_python_read_every_built_in_file_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conftest import BUILT_IN

    paths = [p for d in BUILT_IN if d.folder for p in sorted(d.folder.glob("*.yaml"))]
    assert len(paths) > 30
    for path in paths:
        fast, python = _read_both(path, monkeypatch)
        assert fast == python, path
