"""How the page shows what `briefgen check` finds."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import Problem
from ..lint import check_dossier
from ..load import dossier_files
from ..store import DossierFiles
from .parts import TABLES, raw_items
from .state import State

RULES_FR = {
    "E001": "Fichier illisible (syntaxe YAML, encodage, taille, clé en double)",
    "E002": "Champ manquant, mal orthographié ou de mauvais type",
    "E101": "Référence à un identifiant qui n'existe pas",
    "E102": "Identifiant utilisé deux fois",
    "E103": "Fait sans source (et qui n'est pas une position syndicale)",
    "E104": "Position syndicale qui cite des sources",
    "E105": "Élément qui ne sert nulle part (source, fait ou texte de loi)",
    "E106": "Fait qui ne repose que sur des commentaires de lecteurs : à marquer non vérifié",
    "E107": "Texte archivé d'une source absent, illisible, hors de sources/ ou modifié",
    "E108": "Citation introuvable mot pour mot dans le texte archivé de ses sources",
    "W201": "Les sources divergent : le document le signale",
    "W202": "Des faits sur un même sujet divergent sans que la divergence soit déclarée",
    "W301": "Fait ancien : vérifier qu'il est toujours vrai",
    "W302": "Date postérieure à la séance",
    "W303": "La date de la séance est passée",
    "W401": "Question à la direction sans fait qui la motive",
    "W402": "Question à la direction sans fondement juridique",
    "W403": "Chiffre du tract qui n'y figurera pas (non vérifié, réservé aux élus ou sans valeur)",
    "W501": "Source sans texte archivé : citations et formulations non vérifiables",
    "W502": "Texte archivé sans empreinte SHA-256 enregistrée",
    "W503": "Fait qui recopie mot pour mot un long passage d'une source : à reformuler",
}


def check_after(
    app_state: State, folder: Path, texts: Mapping[str, str | None]
) -> tuple[list[Problem], list[Problem]]:
    """What `briefgen check` would say of the dossier in `folder` once its files named in
    `texts` hold that text (None: removed): (the errors it would bring, every finding).

    Run on a copy of the YAML files; the sources' archived texts are read from `folder`.
    """
    _, before = app_state.findings(folder)
    known = {(p.code, str(p.message)) for p in before}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / folder.name
        copy.mkdir()
        for path in dossier_files(folder):
            shutil.copy2(path, copy / path.name)
        for name, text in texts.items():
            if text is None:
                (copy / name).unlink(missing_ok=True)
            else:
                (copy / name).write_text(text, encoding="utf-8")
        _, after = check_dossier(copy, app_state.date(), snapshots=folder)
    new = [
        p
        for p in after
        if p.severity == "error" and p.code != "E105" and (p.code, str(p.message)) not in known
    ]
    return new, after


def who(files: DossierFiles, field: str) -> str:
    """'questions[2].facts[0]' → 'questions › q-consultation' (what refers to an item)."""
    match = re.match(r"^(\w+)\[(\d+)\]", field)
    if not match or match.group(1) not in TABLES:
        return field.split(".")[0] or "le dossier"
    part = TABLES[match.group(1)]
    items = raw_items(files, part)
    index = int(match.group(2))
    name = items[index].get("id") if part.by_id and index < len(items) else f"n° {index + 1}"
    return f"{part.title.lower()} › {name}"
