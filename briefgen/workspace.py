"""The workspace: its folders and its `briefgen.toml` (branding), validated like a dossier.

A workspace is the folder holding `briefgen.toml`, found from the current
directory upwards; without one, the current directory serves (a checkout of
briefgen is a workspace).  It holds `seeds/`, `templates/` (overrides of the
built-in templates), `assets/` (logo, fonts) and `output/`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, Problem
from .i18n import Text, lazy
from .images import too_large
from .load import display_path, explain, format_field
from .paths import search_path, shipped_dir

CONFIG_FILE = "briefgen.toml"
DEFAULT_DOSSIER = "france-travail-linkedin"
MEDIA_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".css": "text/css",
}
MAX_ASSET_BYTES = 5 * 1024 * 1024
"""Largest logo or font file a workspace may use."""


def _colour(value: str) -> str:
    if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value):
        raise ValueError(
            lazy("'%(value)s' is not a colour; write it as #rrggbb, e.g. #9b1c1c", value=value)
        )
    return value


def _asset(value: str) -> str:
    parts = Path(value).parts
    if Path(value).is_absolute() or ".." in parts or not parts or parts[0] != "assets":
        raise ValueError(
            lazy("'%(value)s' must be a file inside the workspace's assets/ folder", value=value)
        )
    return value


def _line(value: str) -> str:
    if not value.strip():
        raise ValueError(lazy("is empty; remove the setting to use the default"))
    if "\n" in value or "\r" in value:
        raise ValueError(lazy("must be one line"))
    return value


Colour = Annotated[str, AfterValidator(_colour)]
Asset = Annotated[str, AfterValidator(_asset)]
Line = Annotated[str, AfterValidator(_line)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Signatory(_Section):
    """Who signs the documents, and how staff reach them."""

    name: str | None = Field(
        None, description="Name shown in the running header and as the PDFs' author."
    )
    logo: Asset | None = Field(
        None, description="Logo (SVG or PNG) in assets/, shown on every cover."
    )
    contact: str | None = Field(
        None, description="Contact line of the tract; replaces the dossier's tract.contact."
    )
    address: Line | None = Field(
        None, description="Postal address, printed after the name at the foot of the tract."
    )


class Handout(_Section):
    """What the tract, printed and handed out, says of its printing."""

    printed_by: Line | None = Field(
        None,
        description="Printer's mention at the foot of the tract "
        "(default: the label tract_printed_by, « Imprimé par nos soins »).",
    )


class Fonts(_Section):
    """Font files of a family the workspace ships (TrueType or OpenType, in assets/)."""

    regular: Asset = Field(description="Upright, normal weight.")
    bold: Asset | None = Field(None, description="Upright, bold.")
    italic: Asset | None = Field(None, description="Italic, normal weight.")
    bold_italic: Asset | None = Field(None, description="Italic, bold.")


class Style(_Section):
    """Paper, colours and type of every document."""

    paper: Literal["A4", "Letter"] = Field("A4", description="Paper size: A4 or Letter.")
    accent: Colour | None = Field(None, description="Colour of headings and rules (#rrggbb).")
    ink: Colour | None = Field(None, description="Colour of the text (#rrggbb).")
    font: str | None = Field(
        None, description="Font family; with [style.fonts], the files that provide it."
    )
    fonts: Fonts | None = Field(None, description="Font files for `font`, in assets/.")


class Output(_Section):
    """What every document carries besides its content."""

    trace: bool = Field(
        True,
        description="Print a trace line in the footer (dossier hash and date), so that a "
        "printout can be matched to the dossier it was made from.",
    )


class Config(_Section):
    """The whole of briefgen.toml."""

    union: Signatory = Field(Signatory(), description="[union] section.")
    tract: Handout = Field(Handout(), description="[tract] section.")
    style: Style = Field(Style(), description="[style] section.")
    output: Output = Field(Output(), description="[output] section.")


class FontFace(_Section):
    """One file of a workspace font."""

    url: str = Field(description="Its path, assets/….")
    weight: int = Field(description="400 or 700.")
    style: str = Field(description="normal or italic.")


class Branding(_Section):
    """What templates see of briefgen.toml (`branding`)."""

    name: str | None = Field(description=Signatory.model_fields["name"].description)
    logo: str | None = Field(description=Signatory.model_fields["logo"].description)
    contact: str | None = Field(description=Signatory.model_fields["contact"].description)
    address: str | None = Field(description=Signatory.model_fields["address"].description)
    printed_by: str | None = Field(description=Handout.model_fields["printed_by"].description)
    paper: str = Field(description=Style.model_fields["paper"].description)
    accent: str | None = Field(description=Style.model_fields["accent"].description)
    ink: str | None = Field(description=Style.model_fields["ink"].description)
    font: str | None = Field(description=Style.model_fields["font"].description)
    font_faces: list[FontFace] = Field(description="The font's files, for @font-face rules.")


def branding(config: Config) -> Branding:
    """What the documents need of a configuration: name, logo, contact, address, printer's
    mention, paper, colours, fonts."""
    union, style = config.union, config.style
    faces = []
    if style.fonts is not None:
        for key, weight, slant in [
            ("regular", 400, "normal"),
            ("bold", 700, "normal"),
            ("italic", 400, "italic"),
            ("bold_italic", 700, "italic"),
        ]:
            url = getattr(style.fonts, key)
            if url:
                faces.append(FontFace(url=url, weight=weight, style=slant))
    return Branding(
        name=union.name,
        logo=union.logo,
        contact=union.contact,
        address=union.address,
        printed_by=config.tract.printed_by,
        paper=style.paper,
        accent=style.accent,
        ink=style.ink,
        font=style.font,
        font_faces=faces,
    )


@dataclass(frozen=True)
class Workspace:
    """Where dossiers, templates, assets and output live, and the branding to apply."""

    root: Path
    config: Config

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """Template folders, first match wins: the workspace's, then the built-in ones."""
        return search_path(self.templates)

    def resolve(self, relative: str) -> Path | None:
        """The file a document may use at `relative` (templates/… or assets/…), if any.

        `templates/X` is looked up in the workspace's templates, then the
        built-in ones; `assets/X` in the workspace's assets.  Nothing else,
        and nothing that climbs out of those folders, is served.
        """
        from .press import Resolver  # the same rule, as plain data a print worker receives

        return Resolver(self.template_dirs, self.assets)(relative)

    def media_type(self, path: Path) -> str:
        """The Content-Type to serve a template or asset file with."""
        return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")

    def dossiers(self) -> list[str]:
        """Names of the dossier folders under seeds/."""
        return _dossiers(self.seeds)

    def inputs(self, dossier_dir: Path) -> list[Path]:
        """Every file a build of `dossier_dir` reads, besides briefgen itself."""
        return [dossier_dir, *self.template_dirs, self.assets, self.config_file]

    def branding(self) -> Branding:
        """What the layout needs of the configuration, ready to print."""
        return branding(self.config)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of each `key = value` and `[table]` of a TOML file, by dotted path."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[\s*([\w.\- ]+?)\s*\]\s*(?:#.*)?$", line)
        if header:
            table = tuple(part.strip() for part in header.group(1).split("."))
            lines.setdefault(table, number)
            continue
        key = re.match(r"\s*([\w\-]+)\s*=", line)
        if key:
            lines.setdefault((*table, key.group(1)), number)
    return lines


def load_config(root: Path) -> Config:
    """Read and validate `root/briefgen.toml`; no file means the defaults."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config()
    name = display_path(path)
    try:
        text = path.read_bytes().decode("utf-8")
        data: dict[str, Any] = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError.at(lazy("not valid UTF-8; save the file as UTF-8"), name) from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        said = re.sub(r" \(at line \d+, column \d+\)", "", str(exc))
        number = int(line.group(1)) if line else None
        raise InputError(Problem(lazy("invalid TOML"), name, number, detail=said)) from None
    lines = _key_lines(text)

    def locate(loc: tuple[Any, ...], message: Text, detail: str | None = None) -> Problem:
        path_ = tuple(str(part) for part in loc)
        line = next(
            (lines[path_[:end]] for end in range(len(path_), 0, -1) if path_[:end] in lines), None
        )
        return Problem(message, name, line, format_field(loc), detail=detail)

    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message, detail = explain(error, Config)
            if error["type"] == "extra_forbidden":
                message = lazy("unknown setting")
            problems.append(locate(tuple(error["loc"]), message, detail))
        raise InputError(*problems) from None
    problems = []
    files = [("union", "logo"), *(("style", "fonts", key) for key in Fonts.model_fields)]
    for loc in files:
        value: Any = config
        for part in loc:
            value = getattr(value, part, None)
        if value is None:
            continue
        file = root / value
        suffixes = {".svg", ".png"} if loc[-1] == "logo" else {".ttf", ".otf", ".woff", ".woff2"}
        if not file.is_file():
            problems.append(locate(loc, lazy("no such file: %(file)s", file=value)))
        elif file.suffix.lower() not in suffixes:
            kinds = ", ".join(sorted(suffixes))
            problems.append(locate(loc, lazy("must be one of %(kinds)s", kinds=kinds)))
        elif file.stat().st_size > MAX_ASSET_BYTES:
            size = MAX_ASSET_BYTES // 1024 // 1024
            problems.append(locate(loc, lazy("larger than %(size)s MB", size=size)))
        elif reason := too_large(file.read_bytes()[:65536]):
            problems.append(locate(loc, lazy("%(reason)s: too large to print", reason=reason)))
    if config.style.fonts and not config.style.font:
        problems.append(locate(("style", "fonts"), lazy('name the family too: font = "…"')))
    if problems:
        raise InputError(*problems)
    return config


def find_workspace(explicit: Path | None = None, start: Path | None = None) -> Workspace:
    """The workspace named with --workspace, else the nearest folder up with a briefgen.toml,
    else the current directory."""
    if explicit is not None:
        if not explicit.is_dir():
            raise InputError.at(lazy("no such workspace folder"), str(explicit))
        root = explicit
    else:
        here = (start or Path.cwd()).resolve()
        root = next((d for d in (here, *here.parents) if (d / CONFIG_FILE).is_file()), here)
    return Workspace(root, load_config(root))


def _dossiers(folder: Path) -> list[str]:
    """The dossier folders in `folder` (hidden folders left out)."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_dossier(name: str | None, seeds: Path = Path("seeds")) -> Path:
    """A dossier folder from a path, a name under the workspace's seeds/, or a built-in name.

    Without a name: the workspace's only dossier, or the first dossier if the
    workspace holds it, or the built-in first dossier when there is no seeds/ folder;
    an empty seeds/ (a workspace made with `init --empty`) has no dossier to build yet.
    """
    builtin = shipped_dir("seeds")
    if name is None:
        own = _dossiers(seeds)
        if seeds.is_dir() and not own:
            raise InputError.at(
                lazy(
                    "this workspace has no dossier yet: make one in the page (briefgen serve, "
                    "then « Nouveau dossier »)"
                ),
                display_path(seeds),
            )
        if len(own) > 1 and DEFAULT_DOSSIER not in own:
            raise InputError.at(
                lazy(
                    "this workspace has several dossiers; name one (known: %(known)s)",
                    known=", ".join(own),
                )
            )
        name = own[0] if len(own) == 1 else DEFAULT_DOSSIER
    if Path(name).is_dir():
        return Path(name)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InputError.at(lazy("no such dossier folder"), name)
    for folder in (seeds, builtin):
        if (folder / name).is_dir():
            return folder / name
    known = sorted({*_dossiers(seeds), *_dossiers(builtin)})
    raise InputError.at(
        lazy(
            "no dossier named '%(name)s' in %(folder)s/ (known: %(known)s)",
            name=name,
            folder=display_path(seeds),
            known=", ".join(known),
        )
    )
