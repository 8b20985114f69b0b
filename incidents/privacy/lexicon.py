"""What Vigil knows about words, to tell a person's name from the rest of a sentence.

Lists shipped with Vigil (``data/``, built by :mod:`incidents.privacy.build_names` from openly licensed sources,
provenance in ``data/SOURCES.md``): given names, surnames, the most frequent of both, common words (the commonest
English words, months and days, and the stop words of the languages incidents are written in), English words, and
capitalised words that are not people's names (places, languages, brands). Nothing is downloaded: the lists are read
from the package on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).parent / "data"

PARTICLES = frozenset(
    [
        "de",
        "da",
        "do",
        "dos",
        "das",
        "del",
        "della",
        "di",
        "du",
        "des",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "delos",
        "dela",
        "degli",
        "dei",
        "ten",
        "zu",
        "bin",
        "binti",
        "binte",
        "ibn",
        "bint",
        "abu",
        "ould",
        "af",
        "av",
        "vom",
        "zur",
        "t",
        "al",
        "el",
        "ben",
        "ap",
        "mac",
        "st",
    ]
)
"""Words inside a name ("Ana de la Cruz", "Ludwig van Beethoven") that are never a name on their own."""

_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)


_UNDECOMPOSED = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "ŧ": "t",
        "\u2019": "'",
    }
)
"""Letters with no accent to take off, written as people write them without it ("Sæther" is "Saether" in the US
Census, Turkish dotless i is i)."""


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The form names are listed in: case and accents folded ("Müller", "MULLER" and "müller" are one name)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).translate(_UNDECOMPOSED)


def without_possessive(word: str) -> str:
    return _POSSESSIVE.sub("", word) if len(word) > 3 else word


class Facts(NamedTuple):
    """What the lists say about one word as written (a hyphenated word is judged by its parts)."""

    given: bool
    """A given name: "Dmitri", "Anne-Marie"."""
    surname: bool
    """A surname: "Moreau", "Hoffman-Andrews"."""
    common: bool
    """A word every speaker uses ("will", "grace", "brown", "said", "june")."""
    word: bool
    """A word of the language rather than a name: English words, capitalised words that are places, languages or
    brands ("Texas", "Linux"), and the common words of the other languages."""
    frequent: bool
    """One of the commonest names, read as a name even when it is an English word too ("Stone", "Carol")."""
    proper: bool
    """Only ever written capitalised, as a place, language or brand is, and no common word ("Fargo", "Beaumarchais")."""

    @property
    def name(self) -> bool:
        return self.given or self.surname

    @property
    def strong(self) -> bool:
        """A listed name that reads as a name on its own: no common word, and no English word unless it is a
        frequent name ("Dmitri", "Okonkwo", "Esperanza", "Stone"; not "Rust", "Docker", "Grace")."""
        return self.name and not self.common and (not self.word or self.frequent)

    @property
    def pure(self) -> bool:
        """A listed name that is no word at all: what a name written in lower case needs ("esperanza", "garcia")."""
        return self.name and not self.word

    @property
    def foreign(self) -> bool:
        """On no list at all, as a word of another language or a name nobody listed is ("oberhuber", "efua")."""
        return not (self.name or self.word)


class Lexicon:
    def __init__(
        self,
        *,
        given: frozenset[str],
        surnames: frozenset[str],
        frequent: frozenset[str],
        common: frozenset[str],
        english: frozenset[str],
        capitalised: frozenset[str],
    ) -> None:
        self._given = given
        self._surnames = surnames
        self._frequent = frequent
        self._common = common
        self._english = english | capitalised | common
        self._proper = capitalised - english - common
        self._names = given | surnames
        self._facts: dict[str, Facts] = {}

    @property
    def surnames(self) -> frozenset[str]:
        return self._surnames

    def facts(self, word: str) -> Facts:
        known = self._facts.get(word)
        if known is None:
            known = self._facts[word] = self._judge(word)
            if len(self._facts) > 100_000:
                self._facts.clear()
        return known

    def _judge(self, word: str) -> Facts:
        parts = [fold(part) for part in word.split("-") if part]
        whole = fold(word)
        if len(parts) > 1 and whole not in self._names:
            # "Kai-Uwe", "Kleinschmidt-Saether", "Odhiambo-Zhuravleva": every part a name, listed or on no list
            listed = any(part in self._names and part not in self._common for part in parts) and not any(
                part in self._english and part not in self._names for part in parts
            )
            given = listed and any(part in self._given for part in parts)
            surname = listed and any(part in self._surnames for part in parts)
        else:
            given, surname = whole in self._given, whole in self._surnames
        return Facts(
            given=given,
            surname=surname,
            common=all(part in self._common for part in parts),
            word=all(part in self._english for part in parts),
            frequent=whole in self._frequent or all(part in self._frequent for part in parts),
            proper=whole in self._proper,
        )


@cache
def lexicon() -> Lexicon:
    """The shipped lists, read once per process (about 30 ms)."""

    def read(name: str) -> frozenset[str]:
        return frozenset((DATA / name).read_text(encoding="utf-8").split("\n")) - {""}

    return Lexicon(
        given=read("given_names.txt"),
        surnames=read("surnames.txt"),
        frequent=read("frequent_names.txt"),
        common=read("common_words.txt"),
        english=read("english_words.txt"),
        capitalised=read("capitalised_words.txt"),
    )
