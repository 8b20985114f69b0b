"""Build the name lists the detector ships (``incidents/privacy/data/``) from openly licensed sources.

Run by a developer when a source changes, never at run time; the lists it writes are committed, and rebuilding from
the same inputs gives the same files byte for byte. Inputs (see ``data/SOURCES.md`` for where each comes from and
its licence):

- ``--ssa DIR``: the US Social Security Administration's national baby-name files (``yobYYYY.txt``; US public domain);
- ``--census FILE``: the US Census Bureau's 2010 surname list as ``last_name,count`` (US public domain);
- ``--world DIR``: ``common-forenames-by-country.csv`` and ``common-surnames-by-country.csv`` of the "names by country"
  dataset (CC0), which brings names of 106 countries in their own scripts and romanised;
- ``--scowl DIR``: SCOWL's word lists (Debian's ``scowl`` package, ``/usr/share/dict/scowl``; a permissive licence),
  for the English words that are not names, and spaCy's stop words (MIT) of the languages incidents are written in.

Run: ``.venv/bin/python -m incidents.privacy.build_names --ssa names --census last-name.csv --world . --scowl
/usr/share/dict/scowl``.
"""

from __future__ import annotations

import argparse
import csv
import importlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from incidents.privacy.lexicon import DATA, fold

GIVEN_MIN_BIRTHS = 100
"""A given name must have been given at least this many times in the US since 1880: fewer are mostly spelling noise."""
FREQUENT_GIVEN = 10_000
FREQUENT_SURNAME = 20_000
"""About the 2,700 commonest given names and the 1,800 commonest surnames."""
SCOWL_SIZES = (10, 20, 35, 40, 50, 55, 60)
"""SCOWL's "common words" sizes (60 is what spell checkers ship as their large list)."""
COMMON_SIZES = (10, 20)
"""SCOWL's sizes of the words every speaker uses: such a word is a name only where its neighbours say so."""
SCOWL_VARIANTS = ("english", "american", "british", "canadian", "australian")
STOP_WORD_LANGUAGES = ("en", "es", "pt", "de", "fr", "it", "nl")
CUE_WORDS = """
    madre padre mamá papá hermana hermano hija hijo esposa esposo marido mujer pareja novia novio amiga amigo prima
    primo tía tío abuela abuelo sobrina sobrino profesora profesor vecina vecino víctima denunciante usuario usuaria
    llamado llamada nombre mãe pai irmã irmão filha filho namorada namorado avó avô sobrinha professora vizinha
    vizinho vítima usuário usuária chamado chamada dele dela mutter vater schwester bruder tochter sohn frau mann
    freundin freund tante onkel oma opa großmutter großvater cousine cousin nichte neffe lehrerin lehrer opfer nutzer
    nutzerin namens heißt genannt mère père maman papa sœur soeur frère fils fille femme mari copain copine ami amie
    oncle grand-mère grand-père neveu nièce voisin voisine victime utilisateur utilisatrice nommé nommée appelle
    appelé appelée sorella fratello figlia figlio moglie ragazza ragazzo amica amico zia zio nonna nonno vittima
    chiamato chiamata
"""
"""The words of the detector's cues (:mod:`incidents.privacy.names`) in the languages other than English."""
CALENDAR = """
    january february march april may june july august september october november december monday tuesday wednesday
    thursday friday saturday sunday enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre
    diciembre lunes martes miércoles jueves viernes sábado domingo janeiro fevereiro março maio junho julho setembro
    outubro novembro dezembro segunda terça quarta quinta sexta januar februar märz juni juli oktober dezember montag
    dienstag mittwoch donnerstag freitag samstag sonntag janvier février mars avril mai juin juillet août septembre
    octobre novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche gennaio febbraio aprile maggio
    giugno luglio settembre ottobre dicembre lunedì martedì mercoledì giovedì venerdì sabato domenica
"""
"""Months and days, which are given names too ("June", "August"): a name only beside another name word."""


def births(ssa: Path) -> Counter[str]:
    """How often each given name was given in the US since 1880."""
    counts: Counter[str] = Counter()
    for year in sorted(ssa.glob("yob*.txt")):
        for name, _sex, count in csv.reader(year.read_text(encoding="utf-8").splitlines()):
            counts[fold(name)] += int(count)
    return counts


def bearers(census: Path) -> Counter[str]:
    """How many people in the US bore each surname in 2010."""
    with census.open(encoding="utf-8") as rows:
        return Counter({fold(row["last_name"]): int(row["count"]) for row in csv.DictReader(rows)})


def world_names(world: Path, kind: str) -> set[str]:
    with (world / f"common-{kind}-by-country.csv").open(encoding="utf-8-sig") as rows:
        return {part for row in csv.DictReader(rows) for part in _parts(row["Localized Name"], row["Romanized Name"])}


def frequent_names(given: Counter[str], family: Counter[str], world: set[str]) -> set[str]:
    """Names so frequent that they are read as names even when they are English words too ("Stone", "Carol")."""
    return (
        {n for n, c in given.items() if c >= FREQUENT_GIVEN}
        | {n for n, c in family.items() if c >= FREQUENT_SURNAME}
        | world
    )


def common_words(scowl: Path) -> set[str]:
    """Words too common to be read as a name on their own ("will", "grace", "brown", "said"): SCOWL's commonest
    English words, the stop words of the languages incidents are written in, and the words of the detector's cues
    ("madre", "Mutter")."""
    words = _scowl(scowl, ("words", "contractions"), COMMON_SIZES) | {fold(w) for w in (CUE_WORDS + CALENDAR).split()}
    for language in STOP_WORD_LANGUAGES:
        words |= {fold(w) for w in importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS}
    return {w for w in words if w}


def english_words(scowl: Path) -> set[str]:
    """Every word of SCOWL's lists up to the size spell checkers ship, and its hacker jargon: a capitalised word on
    no name list is read as a name only when it is none of these ("Region", "Grep")."""
    return _scowl(scowl, ("words", "contractions"), SCOWL_SIZES) | _scowl_file(scowl / "special-hacker.50")


def capitalised_words(scowl: Path) -> set[str]:
    """Capitalised words and abbreviations SCOWL lists apart from people's names: places, languages, days, brands
    (and some famous people, which only matters for words that are on no name list)."""
    return _scowl(scowl, ("upper", "abbreviations"), SCOWL_SIZES)


def _scowl(scowl: Path, kinds: tuple[str, ...], sizes: tuple[int, ...]) -> set[str]:
    words: set[str] = set()
    for variant in SCOWL_VARIANTS:
        for kind in kinds:
            for size in sizes:
                words |= _scowl_file(scowl / f"{variant}-{kind}.{size}")
    return words


def _scowl_file(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {fold(w.removesuffix("'s")) for w in path.read_text(encoding="utf-8").split()}


def _parts(*written: str) -> set[str]:
    """A listed name's words ("bin Laden" gives "bin" and "laden"; the particles are ordinary words anyway)."""
    return {fold(part) for name in written for part in name.replace("-", " ").split() if part.strip()}


def write(path: Path, words: Iterable[str]) -> None:
    path.write_text("".join(f"{w}\n" for w in sorted(set(words))), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ssa", type=Path, required=True)
    parser.add_argument("--census", type=Path, required=True)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--scowl", type=Path, default=Path("/usr/share/dict/scowl"))
    args = parser.parse_args(argv)
    given, family = births(args.ssa), bearers(args.census)
    world_given, world_family = world_names(args.world, "forenames"), world_names(args.world, "surnames")
    write(DATA / "given_names.txt", {n for n, c in given.items() if c >= GIVEN_MIN_BIRTHS} | world_given)
    write(DATA / "surnames.txt", set(family) | world_family)
    write(DATA / "frequent_names.txt", frequent_names(given, family, world_given | world_family))
    write(DATA / "common_words.txt", common_words(args.scowl))
    write(DATA / "english_words.txt", english_words(args.scowl))
    write(DATA / "capitalised_words.txt", capitalised_words(args.scowl))


if __name__ == "__main__":
    main()
