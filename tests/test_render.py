"""Each render stage alone: context, templating, Markdown, typography, layout, PDF fetcher."""

from __future__ import annotations

import html as html_module
from collections.abc import Callable
from pathlib import Path

import pytest

from briefgen import markdown, typography
from briefgen.build import DOCUMENTS, Options, document_context, render_document
from briefgen.context import build_context
from briefgen.errors import InputError, RenderError
from briefgen.layout import PageMeta, page
from briefgen.load import load_dossier
from briefgen.models import Audience
from briefgen.templating import (
    elide,
    escape_text,
    format_date,
    load_labels,
    markdown_environment,
    render,
)
from briefgen.workspace import Config, Workspace

Edit = Callable[[str, str, str], Path]


def bare_workspace(root: Path) -> Workspace:
    """A workspace with no templates, assets or configuration of its own."""
    return Workspace(root, Config())


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=file:///etc/passwd>",
    "![x](file:///etc/passwd)",
    "[clic](javascript:alert(1))",
    '[pj](note.txt){: rel="attachment"}',
    "{{ 7*7 }} {% if true %}oui{% endif %}",
    "**gras** _souligné_ `code` # titre | a | b |",
    "&amp; &#60;b&#62;",
    "1. pas une liste",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_prints_literally_through_markdown(text: str) -> None:
    html = markdown.to_html(f"- {escape_text(text)}\n")
    assert html.count("<") == 4  # only <ul><li></li></ul>: no tag, link or image from the text
    visible = typography.apply(html, "en").replace("<ul>\n<li>", "").replace("</li>\n</ul>", "")
    import html as html_module

    assert html_module.unescape(visible) == text


def test_escaped_text_is_one_line() -> None:
    assert escape_text("a\n\n# b\n    c") == "a &#35; b c"


def test_hostile_dossier_text_reaches_the_page_as_text(edit: Edit) -> None:
    hostile = " ".join(HOSTILE).replace('"', "'")
    folder = edit("facts.yaml", "Le test a lieu sur trois sites.", f'"{hostile}"')
    built = render_document(
        load_dossier(folder), DOCUMENTS["note"], Options(formats=("html",)), bare_workspace(folder)
    )
    html = built.files["html"].decode()
    assert "<script" not in html and "<img" not in html
    assert "javascript:" not in html.split("<body")[1].replace("javascript:alert", "")
    assert 'rel="attachment"' not in html
    body = html.split("<body")[1]
    assert "{{ 7*7 }}" in body and "49" not in body


def test_sources_are_numbered_in_the_order_they_are_first_printed(minimal: Path) -> None:
    context = build_context(load_dossier(minimal))
    facts = context.themes[0].facts
    assert list(context.sources) == []  # nothing printed yet
    assert str(facts[1].refs) == '<sup class="ref">[<a href="#source-1">1</a>]</sup>'
    assert str(facts[0].refs) == '<sup class="ref">[<a href="#source-2">2</a>]</sup>'
    assert str(facts[1].refs) == '<sup class="ref">[<a href="#source-1">1</a>]</sup>'
    assert str(facts[2].refs) == "" and facts[2].union_position is True
    assert [(s.number, s.id) for s in context.sources] == [
        (1, "direction"),
        (2, "journal"),
    ]


def test_source_list_holds_only_the_sources_a_document_cites(minimal: Path) -> None:
    env = markdown_environment("fr").overlay()
    context = build_context(load_dossier(minimal))
    template = env.from_string(
        "{{ themes[0].facts[1].statement }}{{ themes[0].facts[1].refs }}\n"
        "{% for s in sources %}[{{ s.number }}] {{ s.publisher }}{% endfor %}"
    )
    assert template.render(dict(context)).endswith("[1] Employeur Exemple")


def test_context_leaves_reps_only_items_out_of_public_documents(edit: Edit) -> None:
    folder = edit(
        "facts.yaml", "    sources: [direction]", "    sources: [direction]\n    audience: reps"
    )
    dossier = load_dossier(folder)
    public = build_context(dossier, Audience.public)
    assert [f.id for f in public.themes[0].facts] == ["outil-teste", "consultation"]
    assert str(public.themes[0].facts[0].refs).count("source-") == 1
    assert [s.id for s in public.sources] == ["journal"]
    reps = build_context(dossier, Audience.reps)
    assert len(reps.themes[0].facts) == 3


def test_template_renders_markdown_with_french_dates(minimal: Path) -> None:
    labels = load_labels("fr")
    context = document_context(
        load_dossier(minimal), DOCUMENTS["note"], labels, "fr", bare_workspace(minimal)
    )
    text = render(markdown_environment("fr"), "note-de-briefing.md.j2", context)
    assert "<dt>Séance du</dt><dd>1ᵉʳ décembre 2026</dd>" in text
    assert "## L'essentiel" in text
    assert "| 12 agents | équipés de l&#39;outil |" not in text  # apostrophes stay plain
    assert "| 12 agents | équipés de l'outil |" in text


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2026", "fr", "2026"),
        ("2025-09", "fr", "septembre 2025"),
        ("2025-12-20", "fr", "20 décembre 2025"),
        ("2026-12-01", "fr", "1ᵉʳ décembre 2026"),
        ("2025-12-20", "en", "December 20, 2025"),
    ],
)
def test_dates_are_written_out(value: str, lang: str, expected: str) -> None:
    assert format_date(value, lang) == expected


def test_undefined_name_in_template_is_an_error_with_its_line(tmp_path: Path) -> None:
    env = markdown_environment("fr").overlay(loader=None)
    from jinja2 import DictLoader

    env.loader = DictLoader({"t.md.j2": "ligne 1\n{{ dossier.titel }}\n"})
    with pytest.raises(InputError) as info:
        render(env, "t.md.j2", {"dossier": {"title": "x"}})
    assert str(info.value) == "t.md.j2:2: 'dossier.titel' is undefined (did you mean 'title'?)"


def test_sandbox_blocks_python_internals() -> None:
    env = markdown_environment("fr").overlay()
    template = env.from_string("{{ ''.__class__.__mro__ }}")
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        template.render()


def test_markdown_stage_builds_tables_and_heading_ids() -> None:
    html = markdown.to_html("## Chiffres clés\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '<h2 id="chiffres-cles">Chiffres clés</h2>' in html
    assert "<table>" in html and "<td>1</td>" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pourquoi ? Oui ; non !", "Pourquoi\u202f? Oui\u202f; non\u202f!"),
        ("Fondement : L2312-8", 'Fondement\u00a0: <span class="nowrap">L2312-8</span>'),
        ("6 000 agents, 80 % et 310 M€", "6\u202f000 agents, 80\u202f% et 310\u00a0M€"),
        ("puni de 7 500 euros", "puni de 7\u202f500\u00a0euros"),
        ("en 2025 300 agents", "en 2025 300 agents"),
        (
            "RG 22/00134 et l'article L. 2312-8",
            '<span class="nowrap">RG\u00a022/00134</span> et l’article\u00a0'
            '<span class="nowrap">L.\u00a02312-8</span>',
        ),
        (
            "selon politique-france.info,",
            'selon <span class="nowrap">politique-france.info</span>,',
        ),
        ("https://www.politique-france.info/a", "https://www.politique-france.info/a"),
        ("les agents de LinkedIn", 'les agents de <span class="nowrap">LinkedIn</span>'),
        ("« contre nature »", "«\u202fcontre nature\u202f»"),
        ("l'essentiel", "l’essentiel"),
        ("https://example.org/?p=1 à 15:18", "https://example.org/?p=1 à 15:18"),
    ],
)
def test_french_typography(text: str, expected: str) -> None:
    assert typography.apply(f"<p>{text}</p>", "fr").startswith(f"<p>{expected}")


def test_typography_leaves_tags_and_code_alone() -> None:
    html = '<a href="https://x.org/?a=1;b=2">voir</a><code>a ; b</code>'
    assert typography.apply(html, "fr") == html


def test_layout_sets_language_title_and_metadata() -> None:
    html = page(
        "<p>Corps</p>",
        PageMeta(
            title="Note <x>",
            lang="fr",
            author="CGT · FSU",
            keywords=["a", "b"],
            created="2026-11-20",
            running_title='Titre "courant" </style>',
        ),
        load_labels("fr"),
    )
    assert '@top-left { content: "Titre \\22 courant\\22  \\3c /style\\3e "; }' in html
    assert html.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<title>Note &lt;x&gt;</title>" in html
    assert '<meta name="author" content="CGT · FSU">' in html
    assert '<meta name="dcterms.created" content="2026-11-20">' in html
    assert "@page" in html


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "../../../../etc/passwd", "http://127.0.0.1:9/x.css", "/dev/zero"],
)
def test_renderer_fetches_only_template_files(url: str, tmp_path: Path) -> None:
    from briefgen.pdf import lay_out, write_pdf

    workspace = bare_workspace(tmp_path)
    html = f'<html><body><img src="{url}"></body></html>'
    with pytest.raises(RenderError) as info:
        write_pdf(lay_out(html, workspace.root, workspace.resolve, "templates/t.md.j2"))
    assert str(info.value).startswith("templates/t.md.j2: resource refused: ")


def test_renderer_refuses_attachments(tmp_path: Path) -> None:
    from briefgen.pdf import lay_out, write_pdf

    workspace = bare_workspace(tmp_path)
    html = '<html><head><link rel="attachment" href="file:///etc/hostname"></head></html>'
    with pytest.raises(RenderError, match="not a file of the workspace's templates or assets"):
        write_pdf(lay_out(html, workspace.root, workspace.resolve, "templates/t.md.j2"))


def test_summaries_of_reps_only_facts_stay_out_of_public_documents(edit: Edit) -> None:
    folder = edit(
        "facts.yaml", "    sources: [journal]", "    sources: [journal]\n    audience: reps"
    )
    public = build_context(load_dossier(folder), Audience.public)
    assert public.key_points == []  # its only fact is for reps
    assert public.key_figures == []
    assert [q.text for q in public.questions] == ["Quand le CSE sera-t-il consulté ?"]


def test_hyphenated_words_in_headings_stay_on_one_line() -> None:
    html = typography.apply("<h1>Parlons-en</h1><p>Hauts-de-France</p>", "fr")
    assert html == (
        '<h1><span class="nowrap">Parlons-en</span></h1>'
        '<p><span class="nowrap">Hauts-de-France</span></p>'
    )


CALL = '<sup class="ref">[<a href="#source-1">1</a>]</sup>'


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # The call goes before the punctuation, and stays with the word before it.
        (f"<p>le périmètre.{CALL}</p>", f'<p>le <span class="nowrap">périmètre{CALL}</span>.</p>'),
        (
            f"<li><strong>avant toute décision ?</strong>{CALL}</li>",
            f'<li><strong>avant toute <span class="nowrap">décision{CALL}</span>'
            "\u202f?</strong></li>",
        ),
        (
            f"<p>« une citation »{CALL} ;</p>",
            f'<p>«\u202fune citation<span class="nowrap">\u202f»{CALL}</span>\u202f;</p>',
        ),
    ],
)
def test_reference_calls_go_before_punctuation_and_never_start_a_line(
    html: str, expected: str
) -> None:
    assert typography.apply(html, "fr") == expected


def test_english_text_keeps_its_calls_after_punctuation() -> None:
    html = f"<p>the scope.{CALL}</p>"
    assert typography.apply(html, "en") == f'<p>the <span class="nowrap">scope.{CALL}</span></p>'


def test_typography_follows_each_elements_language() -> None:
    html = '<p>Titre : « <span lang="en">LinkedIn fined : €310m</span> » ; fin</p>'
    assert typography.apply(html, "fr") == (
        '<p>Titre\u00a0: «\u202f<span lang="en">LinkedIn fined : €310m</span>\u202f»\u202f; fin</p>'
    )
    english = '<p>Title: <span lang="fr">Sanction CNIL : 5 M€</span></p>'
    assert typography.apply(english, "en") == (
        '<p>Title: <span lang="fr">Sanction CNIL\u00a0: 5\u00a0M€</span></p>'
    )


@pytest.mark.parametrize(
    ("words", "following", "expected"),
    [
        ("que", "aucune analyse", "qu’"),
        ("Projet d'avis motivé du", "établissement de Lyon", "Projet d'avis motivé de l’"),
        ("la présidence du", "CSE central", "la présidence du "),
        ("que", "haut", "que "),
        ("that", "aucune", "that "),
    ],
)
def test_labels_are_elided_before_a_vowel(words: str, following: str, expected: str) -> None:
    assert html_module.unescape(str(elide(words, following))) == expected


def test_a_stream_whose_data_ends_with_a_carriage_return_keeps_its_length() -> None:
    """A CR LF before `endstream` is read as the end-of-line marker: a stream whose data
    ends with a CR gets one more, so that /Length still counts its last byte (PDF/A)."""
    import io

    import pydyf

    from briefgen.pdf import unambiguous_stream_ends

    document = pydyf.PDF()
    ending, plain = pydyf.Stream([b"BT ET\r"]), pydyf.Stream([b"BT ET"])
    document.add_object(ending)
    document.add_object(plain)
    unambiguous_stream_ends(document)
    output = io.BytesIO()
    document.write(output)
    written = output.getvalue()
    assert b"/Length 6>>\nstream\nBT ET\r\r\nendstream" in written
    assert b"/Length 5>>\nstream\nBT ET\nendstream" in written


def test_documents_rendered_in_threads_at_once_come_out_whole(minimal: Path) -> None:
    """The page builds in threads: renders at once wait for each other, and each gives the
    same bytes as alone."""
    from concurrent.futures import ThreadPoolExecutor

    dossier, workspace = load_dossier(minimal), bare_workspace(minimal)
    options = Options(formats=("pdf",), created="2026-11-20")

    def tract(_: int) -> bytes:
        return render_document(dossier, DOCUMENTS["tract"], options, workspace).files["pdf"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(tract, range(4)))
    assert len(set(results)) == 1 and results[0].startswith(b"%PDF-")
