"""How the page shows what `briefgen check` finds."""

from __future__ import annotations

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
