"""Country-appropriate personal names, and the ways people and clerks mis-write them.

Pools are common given names and surnames per language; any match with a real person is
coincidence. Filipino names carry a middle name (the mother's maiden surname) as on IDs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np


def _w(text: str, sep: str | None = None) -> list[str]:
    """A pool written as one string: words split on spaces (or ``sep``)."""
    return text.split(sep)


_EN_M = _w(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Gary Eric Stephen Larry Scott Frank Raymond Gregory "
    "Dennis Jerry Walter Douglas Peter Harold Carl Roger Keith Wayne Dale Randy"
)
_GB_M = _w(
    "Gary Graham Nigel Colin Trevor Barry Neil Ian Stuart Simon Martin Philip Geoffrey Kevin "
    "Darren Craig Alan Derek Malcolm Keith Clive Roy Terry Leslie Paul Andrew David Richard "
    "Mark Steven Christopher Anthony Robert John"
)
_EN_SUR = _w(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright "
    "Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell "
    "Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson "
    "Reed Bailey Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes "
    "Price Sanders Myers Long Ross Foster Davies Hall Clarke Harrison Patel Shaw Chapman Webb"
)
_IE_M = _w("Seán Pádraig Ciarán Declan Brendan Liam Niall Eoin Dermot Colm Fergal Donal")
_IE_SUR = _w(
    "Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill Doyle McCarthy "
    "Gallagher Lynch Quinn Brennan"
)
_SV_M = _w(
    "Lars Anders Per Mikael Johan Erik Karl Peter Jan Håkan Göran Björn Stefan Magnus Ulf "
    "Mats Bengt Leif Åke Örjan"
)
_SV_SUR = _w(
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Lindström Lindqvist Åström "
    "Sjöberg Öberg Bäckström Holmström"
)
_NO_M = _w(
    "Ole Lars Knut Bjørn Arne Svein Jan Per Terje Geir Øyvind Rune Trond Odd Tor Kjell Ståle Espen"
)
_NO_SUR = _w(
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen "
    "Pettersen Eriksen Berg Haugen Hagen Solberg Bakken Sæther Østby Løken Dahl"
)
_DA_M = _w(
    "Jens Søren Niels Lars Henrik Michael Morten Jørgen Anders Poul Ole Bent Flemming Torben "
    "Preben Kim"
)
_DA_SUR = _w(
    "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Møller Poulsen Lund"
)
_FI_M = _w("Juha Timo Matti Kari Mikko Jari Antti Jukka Markku Pekka Heikki Seppo Ari Hannu Tapani")
_FI_SUR = _w(
    "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
    "Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen"
)
_DE_M = _w(
    "Thomas Michael Andreas Stefan Frank Jürgen Uwe Klaus Wolfgang Peter Dieter Günter Jörg "
    "Rainer Bernd Holger Ralf Markus Matthias Helmut"
)
_DE_SUR = _w(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Werner Krause Lehmann Gruber Huber Steiner Moser Brunner Keller"
)
_NL_M = _w(
    "Jan Pieter Johannes Hendrik Cornelis Willem Gerrit Kees Henk Joost Bart Dirk Ruud Arjen "
    "Sander Marcel Erik Geert Wim Luc"
)
_NL_SUR = _w(
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|Peeters|Maes|Jacobs|"
    "Mertens|Willems|Claes|Goossens|Wouters",
    "|",
)
_FR_M = _w(
    "Jean Pierre Michel Philippe Alain Patrick Nicolas Christophe Éric Frédéric Laurent "
    "Stéphane Thierry Olivier Gérard Bernard Didier Pascal Hervé Jérôme"
)
_FR_SUR = _w(
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier "
    "Dupont Lambert Bonnet François Legrand Gauthier Chevalier Rousseau Guérin Tremblay "
    "Gagnon Roy Côté Bouchard Bélanger"
)
_JA_M = _w("Hiroshi Takashi Kenji Satoshi Makoto Kazuo Akira Shigeru Yoshio Masato")
_JA_SUR = _w("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato")

PH_FEMALE = _w(
    "Maria|Ana|Rosalie|Marilyn|Jocelyn|Maricel|Rowena|Lorna|Analyn|Jennifer|Mary Grace|Rhea|"
    "Cherry|Joy|Lovely|Mylene|Arlene|Marites|Jonalyn|Divina|Precious|Kristine|Princess|"
    "Angelica|Jasmine|Mae|Evangeline|Leonora|Nenita|Teresita|Maria Cristina|Rosario",
    "|",
)
PH_MALE = _w(
    "Jose|Juan|Rodel|Ramil|Arnel|Jomar|Mark Anthony|John Paul|Jerome|Rogelio|Ernesto|"
    "Reynaldo|Danilo|Romeo|Joel|Ronaldo|Eduardo|Renato|Jayson|Christian|Jericho|Rodrigo|"
    "Efren|Nestor|Wilfredo|Benjie|Noel|Jun",
    "|",
)
PH_SUR = _w(
    "Santos|Reyes|Cruz|Bautista|Ocampo|Garcia|Mendoza|Torres|Tomas|Andrada|Castillo|Flores|"
    "Villanueva|Ramos|Castro|Rivera|Aquino|Navarro|Salazar|Mercado|Dela Cruz|De Leon|"
    "Gonzales|Lopez|Fernandez|Hernandez|Perez|Dizon|Manalo|Pascual|Santiago|Soriano|Cabrera|"
    "Aguilar|Valdez|Mariano|Gutierrez|Domingo|Rosales|Tolentino|Ignacio|Lim|Tan|Sy|Peñaflor|"
    "Nuñez|Muñoz|Ibañez|Magbanua|Villareal|Alcantara|Sarmiento|Bernal|Cortez|Del Rosario|"
    "Enriquez|Jimenez|Lacson|Labrador|Tupas|Cabahug|Alcoseba|Abellana|Bacalso|Cañete|Sollano|"
    "Ybañez|Pepito",
    "|",
)
# The commonest Filipino names: mules and unrelated family receivers share them.
PH_COMMON_FEMALE = ("Maria", "Ana", "Rowena", "Marilyn", "Jennifer", "Joy")
PH_COMMON_SUR = ("Santos", "Reyes", "Cruz", "Garcia", "Mendoza", "Dela Cruz")

# Given names and surnames per language; buyers are drawn from the male pools.
POOLS: dict[str, tuple[list[str], list[str]]] = {
    "en": (_EN_M, _EN_SUR),
    "gb": (_GB_M, _EN_SUR),
    "ie": (_IE_M + _GB_M[:12], _IE_SUR),
    "sv": (_SV_M, _SV_SUR),
    "no": (_NO_M, _NO_SUR),
    "da": (_DA_M, _DA_SUR),
    "fi": (_FI_M, _FI_SUR),
    "de": (_DE_M, _DE_SUR),
    "nl": (_NL_M, _NL_SUR),
    "fr": (_FR_M, _FR_SUR),
    "ja": (_JA_M, _JA_SUR),
}
# Languages of each buyer country with their weights.
LANGUAGES: dict[str, tuple[tuple[str, float], ...]] = {
    "US": (("en", 1.0),),
    "GB": (("gb", 1.0),),
    "AU": (("gb", 0.6), ("en", 0.4)),
    "NZ": (("gb", 1.0),),
    "CA": (("en", 0.75), ("fr", 0.25)),
    "IE": (("ie", 1.0),),
    "SE": (("sv", 1.0),),
    "NO": (("no", 1.0),),
    "DK": (("da", 1.0),),
    "FI": (("fi", 1.0),),
    "DE": (("de", 1.0),),
    "AT": (("de", 1.0),),
    "CH": (("de", 0.7), ("fr", 0.3)),
    "NL": (("nl", 1.0),),
    "BE": (("nl", 0.6), ("fr", 0.4)),
    "FR": (("fr", 1.0),),
    "JP": (("ja", 1.0),),
}
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "James": "Jim",
    "Michael": "Mike",
    "Thomas": "Tom",
    "Richard": "Rick",
    "Anthony": "Tony",
    "Christopher": "Chris",
    "Stephen": "Steve",
    "Daniel": "Dan",
    "Andrew": "Andy",
    "Peter": "Pete",
    "Joseph": "Joe",
    "Kenneth": "Ken",
}


@dataclass(frozen=True)
class Name:
    """A legal name: given names, middle name (may be empty) and surname."""

    first: str
    middle: str
    last: str

    @property
    def full(self) -> str:
        """The name in full: given name, middle name (when any) and surname."""
        return " ".join(p for p in (self.first, self.middle, self.last) if p)

    @property
    def short(self) -> str:
        """Given name and surname."""
        return f"{self.first} {self.last}"


def pick(rng: np.random.Generator, pool: list[str] | tuple[str, ...]) -> str:
    """One entry of a pool, drawn uniformly."""
    return pool[int(rng.integers(len(pool)))]


def buyer_name(rng: np.random.Generator, country: str) -> Name:
    """A man's name typical of the country (several languages where the country has them)."""
    langs = LANGUAGES.get(country, (("en", 1.0),))
    weights = np.array([w for _, w in langs])
    lang = langs[int(rng.choice(len(langs), p=weights / weights.sum()))][0]
    firsts, surs = POOLS[lang]
    middle = pick(rng, firsts) if lang in ("en", "gb") and rng.random() < 0.5 else ""
    first = pick(rng, firsts)
    while middle == first:
        middle = pick(rng, firsts)
    return Name(first, middle, pick(rng, surs))


def filipino_name(
    rng: np.random.Generator, *, female: bool, last: str | None = None, common: bool = False
) -> Name:
    """A Filipino name; ``last`` fixes the family surname, ``common`` the commonest names."""
    if common:
        first = pick(rng, PH_COMMON_FEMALE if female else ("Jose", "Juan", "Mark Anthony"))
        last = last or pick(rng, PH_COMMON_SUR)
    else:
        first = pick(rng, PH_FEMALE if female else PH_MALE)
    last = last or pick(rng, PH_SUR)
    middle = pick(rng, PH_SUR)
    while middle == last:
        middle = pick(rng, PH_SUR)
    return Name(first, middle, last)


def strip_diacritics(text: str) -> str:
    """Drop accents the way a clerk's keyboard does (Åström -> Astrom, Peñaflor -> Penaflor)."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(4))
    if kind == 0:  # swapped neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # dropped letter
        return word[:i] + word[i + 1 :]
    if kind == 2:  # doubled letter
        return word[:i] + word[i] + word[i:]
    vowels = "aeiou"
    c = word[i]
    return word[:i] + (vowels[(vowels.index(c) + 1) % 5] if c in vowels else c) + word[i + 1 :]


VARIANTS = (
    "exact",
    "no_middle",
    "swapped",
    "surname_comma",
    "initial",
    "typo",
    "ascii",
    "nickname",
    "middle_initial",
    "ma_abbrev",
)


def variant(rng: np.random.Generator, name: Name, kind: str) -> str:
    """The name written one of the ways remittance forms and clerks write it."""
    first, middle, last = name.first, name.middle, name.last
    if kind == "no_middle":
        return f"{first} {last}"
    if kind == "swapped":
        return f"{last} {first}"
    if kind == "surname_comma":
        return f"{last}, {first}" + (f" {middle}" if middle else "")
    if kind == "initial":
        return f"{first[0]}. {last}"
    if kind == "typo":
        if rng.random() < 0.5:
            return " ".join(p for p in (first, middle, _typo(rng, last)) if p)
        return " ".join(p for p in (_typo(rng, first), middle, last) if p)
    if kind == "ascii":
        return strip_diacritics(name.full)
    if kind == "nickname":
        return f"{NICKNAMES.get(first.split()[0], first)} {last}"
    if kind == "middle_initial" and middle:
        return f"{first} {middle[0]}. {last}"
    if kind == "ma_abbrev" and first.startswith("Maria"):
        return f"Ma.{first[5:]} {last}" if len(first) > 5 else f"Ma. {last}"
    return name.full


def sender_variants(rng: np.random.Generator, name: Name) -> list[str]:
    """The few ways one buyer's name appears on his remittances, most used first."""
    kinds = [
        "exact",
        "no_middle",
        "swapped",
        "initial",
        "typo",
        "ascii",
        "nickname",
        "surname_comma",
    ]
    chosen = [kinds[int(rng.integers(2))]]
    for k in rng.permutation(len(kinds))[: int(rng.integers(1, 4))]:
        chosen.append(kinds[int(k)])
    out: list[str] = []
    for k in chosen:
        v = variant(rng, name, k)
        if v not in out:
            out.append(v)
    return out


def receiver_variants(rng: np.random.Generator, name: Name) -> list[str]:
    """The ways a pickup identity's name is written by senders (Filipino conventions)."""
    kinds = ["exact", "middle_initial", "no_middle", "ma_abbrev", "typo", "ascii", "swapped"]
    out = [name.full]
    for k in rng.permutation(len(kinds))[: int(rng.integers(1, 4))]:
        v = variant(rng, name, kinds[int(k)])
        if v not in out:
            out.append(v)
    return out


def handle(rng: np.random.Generator, name: Name) -> str:
    """A user name built the usual ways from a person's name."""
    first = strip_diacritics(name.first.split()[0]).lower().replace("'", "")
    last = strip_diacritics(name.last).lower().replace(" ", "").replace("'", "")
    style = int(rng.integers(5))
    num = str(int(rng.integers(1, 99)))
    if style == 0:
        return f"{first}.{last}{num}"
    if style == 1:
        return f"{first}_{last}"
    if style == 2:
        return f"{first[0]}{last}{num}"
    if style == 3:
        return f"{first}{num}{last[:3]}"
    return f"{last}.{first}"


# Every token a name can contribute to text, for the benign-content test.
ALL_NAME_WORDS: frozenset[str] = frozenset(
    w
    for pool in [*(p for pair in POOLS.values() for p in pair), PH_FEMALE, PH_MALE, PH_SUR]
    for n in pool
    for w in n.split() + n.replace("'", " ").split()
)
