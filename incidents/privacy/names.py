"""People's names in free text that nobody told Vigil about, with or without a word that introduces them.

Vigil ships no language model (none installs offline under its official name); it reads names the way a person
skims a note, from lists it ships (:mod:`incidents.privacy.lexicon`) and the shape of the words around them:

- two or more name words in a row, one of them a listed name that is no common word: "Dmitri L. Moreau",
  "esperanza müller", "Anne-Marie O'Brien", "Oluwaseun Adeyemi's"; a capitalised word on no list counts as a name
  word beside a listed one ("Dmitri Zavarzin"), a common word only when capitalised ("Grace Okafor"), a lower-case
  word on no list beside a listed name in lower case ("ulrich oberhuber");
- a listed given name and surname that are words or places too ("Moira Urquhart"), joined by particles ("Jan van
  der Berg"); capitalised words that no list holds, two or more, or around a middle initial ("Hedda K. Brunnvoll");
- surname first: "Moreau, Dmitri", "garcia, maria l.", "Strand, Mikkel"; in capitals without a comma ("ZHAO Mingyu");
- other scripts: two capitalised words of a cased script (Cyrillic, Greek, Armenian), two words of an uncased
  script one of which is a listed name (Arabic, Hebrew, Devanagari), and a short run of Chinese, Japanese or Korean
  that starts with a listed surname ("王伟", "佐藤健", "김민준");
- after a cue in English, Spanish, Portuguese, German, French or Italian ("the victim is …", "her mother …",
  "contacted by …", "we spoke with …", "a user named …", "su madre …", "a vítima é …", "das Opfer ist …", "la
  victime est …"): the name words that follow, in any case, listed or on no list.

What it cannot read: a lone given name or surname without a cue ("Dmitri said"), a name made only of common words
("Will Brown", "mark price"), names in lower case that are on no list, and names in a script it has no list for
written without capitals. Places and companies named like people are left to the detector's list of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from incidents.privacy.findings import Finding
from incidents.privacy.lexicon import PARTICLES, Facts, Lexicon, fold, lexicon, without_possessive

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?:-[^\W\d_]+(?:['\u2019][^\W\d_]+)*)*")
_SPACE = re.compile(r"[ \t\u00a0]+")
_EMBEDDED_BEFORE = "@/#_.\\:"
"""Marks before a word that make it part of an address, link or handle ("@rita", "example.com/rita")."""
_EMBEDDED_AFTER = "@/#_\\"
"""Marks after a word that do the same ("rita@", "rita_99"), as "." or ":" before a letter does ("rita.k")."""
_COMMA = re.compile(r",[ \t\u00a0]+")
_CUE_GAP = re.compile(r"[ \t\u00a0]*[:,\-\u2013\u2014]?[ \t\u00a0]*[\"'\u201c\u2018«]?")
_LIST_GOES_ON = re.compile(r"\s*,\s*(?:and\s+|or\s+)?[A-Z]|\s+(?:and|or|&)\s+[A-Z]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

_VERBS_BY = (
    r"contacted|reported|posted|flagged|sent|called|harassed|threatened|targeted|messaged|raised|filed|submitted|"
    r"uploaded|shared|stalked|doxx?ed|impersonated|followed|groomed|extorted|abused|attacked|identified|escalated|"
    r"forwarded|approached|befriended|added|invited|tagged|mentioned|recruited|paid|blackmailed|contactad[oa]s?|"
    r"denunciad[oa]s?|reportad[oa]s?|acosad[oa]s?|amenazad[oa]s?|enviad[oa]s?|contatad[oa]s?|assediad[oa]s?|"
    r"ameaçad[oa]s?|kontaktiert|gemeldet|belästigt|bedroht|angeschrieben|contactée?s?|signalée?s?|harcelée?s?|"
    r"menacée?s?|envoyée?s?|contattat[oa]|segnalat[oa]"
)
_KIN = (
    r"(?:(?:step|grand|half)-?)?(?:mother|father|mom|mum|dad|parent|sister|brother|sibling|son|daughter|wife|husband|"
    r"partner|boyfriend|girlfriend|fianc[ée]e?|friend|cousin|aunt|uncle|niece|nephew|grandmother|grandfather|"
    r"grandma|grandpa|teacher|coach|neighbou?r|classmate|roommate|ex|guardian|carer|caregiver|colleague|coworker|"
    r"co-worker|manager|child|kid|baby|bf|gf)"
)
_PEOPLE = (
    r"victim|reporter|complainant|suspect|perpetrator|offender|abuser|minor|child|kid|student|witness|subject|"
    r"creator|streamer|target|user|account holder|person|individual|customer|player|member|man|woman|girl|boy|guy|"
    r"teen|teenager|caller"
)
_PERSON_NAMED = (
    # English: "a user named …", "the victim is …", "her mother …", "contacted by …"
    rf"\b(?:a|an|the|one|some|another)\s+(?:{_PEOPLE})\s+(?:named|called|who goes by|going by|known as|"
    r"with the name|by the name of)",
    r"\b(?:someone|somebody|anyone)\s+(?:named|called)",
    # Spanish, Portuguese, German, French, Italian
    r"\b(?:un|una)\s+(?:usuari[oa]|persona|chic[oa]|hombre|mujer|niñ[oa]|menor)\s+(?:llamad[oa]|de nombre)",
    r"\b(?:um|uma)\s+(?:usuári[oa]|pessoa|menin[oa]|homem|mulher|menor)\s+(?:chamad[oa]|de nome)",
    r"\b(?:ein|eine|der|die)\s+(?:Nutzer(?:in)?|Benutzer(?:in)?|Person|Mann|Frau|Mädchen|Junge|Minderjährige[rn]?)"
    r"\s+namens",
    r"\b(?:un|une)\s+(?:utilisat(?:eur|rice)|personne|homme|femme|fille|garçon|mineure?)\s+(?:nommée?|appelée?|"
    r"prénommée?|du nom de)",
    r"\b(?:un|una)\s+(?:utente|persona|ragazz[oa]|uomo|donna)\s+(?:chiamat[oa]|di nome)",
)
"""Cues after which any one word is a name, listed or not ("a user named xXemberNovaXx")."""
_PERSON_CUES = (
    # English
    rf"\b(?:the|a|an|our|this)\s+(?:{_PEOPLE})(?:'s\s+name)?\s+(?:is|was)",
    r"\b(?:victim|reporter|complainant|suspect|perpetrator|offender|witness|minor|child|student|user|friend|"
    r"(?:contact\s+)?person|contact|mother|father|parent|guardian|daughter|son|wife|husband|partner|teacher|"
    r"neighbou?r|sister|brother)s?",
    r"\b(?:mr|mrs|ms|miss|mx|dr|prof|professor|doctor|mister|madam|madame|sir|dame|lady|lord|rev|reverend|pastor|"
    r"father|sister|imam|rabbi|officer|detective|det|sgt|sergeant|constable|inspector|captain|capt|lieutenant|lt|"
    r"agent|judge|justice|senator|governor|mayor|councillor|councilor|sheikh|sr|sra|srta|señor|señora|señorita|"
    r"don|doña|dona|senhor|senhora|herr|frau|monsieur|mme|mlle|signor|signora|sig|sig\.ra|dott|dott\.ssa)\.?",
    rf"\b(?:his|her|their|my|our|your|whose|the|a|an)\s+{_KIN}(?:\s+(?:is|was))?",
    rf"\b(?:{_VERBS_BY})\s+(?:by|por|von|par|da)",
    r"\b(?:(?:spoke|speak|talked|talk|chatted|met|meet)\s+(?:to|with)|emailed|messaged|texted|dm'?d|phoned|rang|"
    r"called back|followed up with|belongs? to|belonged to|owned by)",
    # Spanish
    r"\b(?:la|el)\s+(?:víctima|denunciante|sospechos[oa]|menor|usuari[oa]|testigo)\s+(?:es|era|se llama)",
    r"\b(?:su|mi|tu|nuestr[oa])\s+(?:madre|padre|mamá|papá|herman[oa]|hij[oa]|espos[oa]|marido|mujer|pareja|"
    r"novi[oa]|amig[oa]|prim[oa]|tí[oa]|abuel[oa]|sobrin[oa]|profesora?|vecin[oa])",
    # Portuguese
    r"\b(?:a|o)\s+(?:vítima|denunciante|suspeit[oa]|menor|usuári[oa]|testemunha)\s+(?:é|era|se chama)",
    r"\b(?:sua|seu|minha|meu|nossa|nosso)\s+(?:mãe|pai|irmã|irmão|filh[oa]|esposa|marido|namorad[oa]|amig[oa]|"
    r"prim[oa]|tia|tio|avó|avô|sobrinh[oa]|professora?|vizinh[oa])",
    r"\b(?:a|o)\s+(?:mãe|pai|irmã|irmão|filh[oa]|esposa|marido|namorad[oa]|amig[oa])\s+(?:dele|dela)",
    # German
    r"\b(?:das|dem|des)\s+Opfers?\s+(?:ist|war|heißt|hieß)",
    r"\b(?:der|die)\s+(?:Nutzer(?:in)?|Benutzer(?:in)?|Zeug(?:e|in)|Verdächtige[r]?|Minderjährige[r]?)\s+"
    r"(?:ist|war|heißt|hieß)",
    r"\b(?:seine|ihre|meine|deren|dessen|unsere|eure)\s+(?:Mutter|Schwester|Tochter|Frau|Freundin|Tante|Oma|"
    r"Großmutter|Cousine|Nichte|Lehrerin|Partnerin|Mitschülerin|Nachbarin)",
    r"\b(?:sein|ihr|mein|unser|euer)\s+(?:Vater|Bruder|Sohn|Mann|Freund|Onkel|Opa|Großvater|Cousin|Neffe|Lehrer|"
    r"Partner|Mitschüler|Nachbar)",
    # French
    r"\b(?:la|le)\s+(?:victime|plaignante?|suspecte?|mineure?|utilisat(?:eur|rice)|témoin)\s+(?:est|était|"
    r"s'appelle|s\u2019appelle)",
    r"\b(?:sa|son|ma|mon|leur|notre|votre)\s+(?:mère|père|maman|papa|sœur|soeur|frère|fils|fille|femme|mari|"
    r"copain|copine|amie?|cousine?|oncle|tante|grand-mère|grand-père|neveu|nièce|professeure?|prof|voisine?)",
    # Italian
    r"\b(?:la|il)\s+vittima\s+(?:è|era|si chiama)",
    r"\b(?:sua|suo|mia|mio)\s+(?:madre|padre|sorella|fratello|figli[oa]|moglie|marito|ragazz[oa]|amic[oa]|zi[oa]|"
    r"nonn[oa])",
)
"""Cues that say a person follows ("her mother …"): a capitalised common word after them is a name ("Grace")."""
_NAMING_CUES = (
    r"\b(?:named|called|known as|aka|a\.k\.a\.|goes by|going by|(?:real|full|legal|first|last|user)\s*name(?:\s+is)?|"
    r"surname|name is)",
    r"\b(?:se llama|llamad[oa]|de nombre|conocid[oa] como|alias|se chama|chamad[oa]|conhecid[oa] como|namens|heißt|"
    r"hieß|genannt|si chiama|chiamat[oa]|di nome)",
    r"(?:\b|(?<=\s))(?:s'appelle|s\u2019appelle|nommée?|prénommée?|surnommée?|appelée?)",
)
"""Cues that say a name follows, of anything ("a tool called …"): only name words are taken after them."""
_NAMED = re.compile("(?P<person>" + "|".join(_PERSON_NAMED) + r")\b", re.IGNORECASE)
_CUE = re.compile("(?:(?P<person>" + "|".join(_PERSON_CUES) + ")|" + "|".join(_NAMING_CUES) + r")(?!\w)", re.IGNORECASE)
_MOST_AFTER_CUE = 4


class _Word(NamedTuple):
    start: int
    end: int
    """Without a possessive "'s"."""
    text: str
    facts: Facts

    @property
    def initial(self) -> bool:
        """ "L." or "L"; the pronoun "I" and the article "A" only with their full stop."""
        bare = self.text.rstrip(".")
        return len(bare) == 1 and bare.isupper() and (bare not in "IA" or self.text.endswith("."))

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper() or self.title

    @property
    def title(self) -> bool:
        return _is_title(self.text)

    @property
    def particle(self) -> bool:
        return self.text in PARTICLES

    @property
    def script(self) -> str:
        return _script(self.text)


@lru_cache(maxsize=65536)
def _is_title(text: str) -> bool:
    """Capitalised like a name: "Moreau", "O'Brien", "Anne-Marie", "MOREAU", "el-Amrani", "Seo-yeon" (not
    "PostgreSQL", "iOS", "AWS", "Follow-up")."""
    parts = [p for p in re.split(r"[-'\u2019]", text) if p]
    if all(p[0].isupper() and (p[1:].islower() or p[1:] == "") for p in parts) or (text.isupper() and len(text) > 3):
        return True
    head, _, rest = text.partition("-")
    if head.casefold() in _PREFIXES and rest:
        return _is_title(rest)  # "el-Amrani", "al-Rashidi"
    return _two_syllables(head, rest)


_PREFIXES = frozenset(["al", "el", "ad", "ud", "ul", "bin", "ben", "abu", "ibn", "bint"])
"""Particles written joined to the name they stand before ("al-Rashidi")."""


def _two_syllables(head: str, rest: str) -> bool:
    """A given name of two syllables joined, the second in lower case, as Korean and Chinese names are romanised
    ("Seo-yeon", "Min-jun", "Mei-ling", "Ji-ho"); not a word and a suffix ("Read-only", "Post-mortem", "Re-run"):
    a common word comes second only after a syllable of two letters ("Ji-ho")."""
    return (
        1 < len(head) <= 5
        and 1 < len(rest) <= 5
        and head[0].isupper()
        and head[1:].islower()
        and rest.islower()
        and (len(head) == 2 or not lexicon().facts(rest).common)
    )


def _syllables(word: _Word) -> bool:
    """A romanised given name of two syllables ("Chang-min"), whatever the lists say of each."""
    head, _, rest = word.text.partition("-")
    return bool(rest) and _two_syllables(head, rest)


@lru_cache(maxsize=65536)
def _script(text: str) -> str:
    if _CJK.search(text):
        return "cjk"
    if all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF for c in text):
        return "latin"
    return "cased" if text[0].isupper() or text[0].islower() else "uncased"


def find_names(text: str) -> list[Finding]:
    """Where people's names sit in ``text``, as "name" findings (they may overlap; the detector merges them)."""
    if not text:
        return []
    lex = lexicon()
    words = _words(text, lex)
    found = list(_runs(text, words, lex))
    found += _surname_first(text, words)
    found += _caps_surname_first(text, words)
    found += _after_cues(text, words)
    found += _east_asian(text, words, lex)
    return found


def _words(text: str, lex: Lexicon) -> list[_Word]:
    """The words of ``text``, leaving out those inside an address, a link or a handle ("rita@example.com"): the
    detector's patterns read those, and a gap where they were keeps a name from running into them."""
    words = []
    for match in _WORD.finditer(text):
        start, after = match.start(), text[match.end() : match.end() + 2]
        if start > 0 and text[start - 1] in _EMBEDDED_BEFORE:
            continue
        if after and (after[0] in _EMBEDDED_AFTER or (after[0] in ".:" and _word_char(after[1:]))):
            continue
        word = without_possessive(match.group(0))
        end = match.start() + len(word)
        if len(word) == 1 and word.isupper() and text[end : end + 1] == ".":
            end, word = end + 1, word + "."
        words.append(_Word(match.start(), end, word, lex.facts(word.rstrip("."))))
    return words


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    return _SPACE.fullmatch(text, left.end, right.start) is not None


def _unknown_name(word: _Word) -> bool:
    """A capitalised word on no list and no word of the language: "Zavarzin", "Okafor-Bello", "BRÜNNHOFER"."""
    shortest = 4 if word.text.isupper() else 2
    return word.title and len(word.text) >= shortest and not word.facts.word


def _lower_unknown(word: _Word) -> bool:
    """A word in lower case on no list and of no language the lists know: "oberhuber", "efua"."""
    return _lower_unknown_text(word.text, word.facts)


@lru_cache(maxsize=65536)
def _lower_unknown_text(text: str, facts: Facts) -> bool:
    return _script(text) == "latin" and text.islower() and len(text) > 2 and facts.foreign and text not in PARTICLES


def _name_word(word: _Word) -> bool:
    """Could be part of a name written without a cue. Judged once per word as written: a note's words repeat."""
    return _could_be_name(word.text, word.facts)


@lru_cache(maxsize=65536)
def _could_be_name(text: str, facts: Facts) -> bool:
    word = _Word(0, len(text), text, facts)
    if word.initial or word.particle:
        return True
    script = word.script
    if "-" in word.text and not (word.text.islower() or word.title):
        return False  # "Solana-style", "ZIP-specific": a name and a word joined
    if _acronym(word):
        return word.facts.surname and word.facts.strong  # "EZE Mariam" maybe; "DSA", "AWS" never
    if script == "latin":
        if facts.name:
            return word.capitalised or facts.strong or (facts.proper and word.text.islower())  # "yousef nasser"
        return _unknown_name(word) or (word.title and facts.proper) or _lower_unknown(word)
    if script == "cased":
        return word.title or facts.name
    return script == "uncased" and facts.name


def _leads_a_name(text: str, words: list[_Word], k: int) -> bool:
    """A given name that is a word too, right before a name that is no word: "grace okonkwo", "aster mekonnen"
    (not "believe okonkwo": a word that common is a given name only when it is a frequent one)."""
    following = words[k + 1] if k + 1 < len(words) else None
    facts = words[k].facts
    return (
        facts.given
        and (facts.frequent or not facts.common)
        and following is not None
        and following.text.islower()
        and following.facts.pure
        and _adjacent(text, words[k], following)
    )


def _acronym(word: _Word) -> bool:
    """Three capitals or fewer: an acronym, unless a given name stands beside it ("EZE Mariam")."""
    return word.text.isupper() and len(word.text) <= 3


def _runs(text: str, words: list[_Word], lex: Lexicon) -> Iterator[Finding]:
    """Two or more name words in a row that together read as a person's name."""
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and (j == i or _adjacent(text, words[j - 1], words[j])):
            if not (_name_word(words[j]) or _leads_a_name(text, words, j)):
                break
            if j > i and _case_changes(words[j - 1], words[j]):
                break  # "Babatunde Okonkwo doxxed": a name, then a word on no list
            j += 1
        run = _trimmed(words[i:j])
        if run and _is_name(run) and not _names_a_place(text, words, j):
            yield Finding(run[0].start, run[-1].end, "name")
        i = max(j, i + 1)


def _case_changes(before: _Word, word: _Word) -> bool:
    """A capitalised word next to one in lower case: two runs, not one ("Whistleblower liam murray", "Babatunde
    Okonkwo doxxed"); particles and initials go with either."""
    if before.particle or word.particle or before.initial or word.initial:
        return False
    return before.capitalised != word.capitalised


def _names_a_place(text: str, words: list[_Word], after: int) -> bool:
    """The words before are a place's name: "Ho Chi Minh City", "Santa Clara County"."""
    following = words[after] if after < len(words) else None
    return following is not None and following.text in _PLACE_TAILS and _adjacent(text, words[after - 1], following)


_PLACE_TAILS = frozenset(
    [
        "City",
        "County",
        "Province",
        "State",
        "District",
        "Island",
        "Islands",
        "Valley",
        "Bay",
        "Beach",
        "Airport",
        "Station",
        "Square",
        "Bridge",
        "Harbour",
        "Harbor",
        "Region",
        "Township",
        "Village",
        "Municipality",
        "Prefecture",
        "Oblast",
        "Governorate",
        "Park",
        "Street",
        "Road",
        "Avenue",
    ]
)
_ARTICLES = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "our",
        "their",
        "his",
        "her",
        "its",
        "my",
        "your",
        "some",
        "every",
        "each",
        "no",
    ]
)


def _trimmed(run: list[_Word]) -> list[_Word]:
    """Without articles before, particles at either end, nor an initial without its full stop at the end ("The
    Regina office", "Maria L")."""
    while run and (run[0].particle or run[0].text.casefold() in _ARTICLES):
        run = run[1:]
    while run and (run[-1].particle or (run[-1].initial and not run[-1].text.endswith("."))):
        run = run[:-1]
    return run


def _is_name(run: list[_Word]) -> bool:
    names = [w for w in run if not w.initial and not w.particle]
    if not names:
        return False
    script = names[0].script
    if script == "cased":
        return len(names) >= 2 and all(w.title for w in names)
    if script == "uncased":
        return len(names) >= 2 and any(w.facts.name for w in names)
    if any(w.script != "latin" for w in names):
        return False
    if len(names) == 1:  # "L. Moreau", "J. Okafor": an initial before a capitalised name
        return run[0].initial and names[0].capitalised and (names[0].facts.strong or _unknown_name(names[0]))
    if all(w.capitalised for w in names):
        return _capitalised_name(run, names)
    if any(w.capitalised for w in names):
        return False  # "the Dmitri account"; "Nginx ingress"
    # in lower case: a listed name that is no word, beside names or words on no list ("ulrich oberhuber")
    return any(w.facts.pure for w in names) and all(w.facts.name or _lower_unknown(w) for w in names)


_PLACE_HEADS = frozenset(
    [
        "sao",
        "san",
        "santa",
        "santo",
        "santos",
        "saint",
        "sainte",
        "st",
        "rio",
        "los",
        "las",
        "port",
        "fort",
        "mount",
        "lake",
        "new",
        "cape",
        "puerto",
        "porto",
        "villa",
        "ciudad",
        "bad",
    ]
)
"""Words that begin the names of places ("São Paulo", "Fort Worth") more often than the names of people."""


def _capitalised_name(run: list[_Word], names: list[_Word]) -> bool:
    """Capitalised name words in a row: a listed name among them, or their shape alone: a middle initial between
    two ("Friederike L. Oberhuber"), or two or more on no list ("Zhutroquosk Silazhaix")."""
    if fold(names[0].text) in _PLACE_HEADS:
        return False  # "São Paulo", "San José", "Rio de Janeiro"
    if any(w.facts.strong for w in names):
        return not any(_acronym(w) for w in names) or any(w.facts.given and w.facts.strong for w in names)
    if _listed_pair(run, names):
        return True
    if not all(w.title and not w.facts.common for w in names):
        return False
    middle_initial = len(run) == 3 and run[1].initial and run[1].text.endswith(".")
    return middle_initial or all(_unknown_name(w) and len(w.text) > 2 for w in names)


def _caps_surname_first(text: str, words: list[_Word]) -> Iterator[Finding]:
    """A surname in capitals before the given name, as forms, dockets and passports write them: "DONG Wenjing",
    "SEO Ji-ho", "KONTOU Sofia" (not "AWS Lambda": the capitals must be a listed surname or a long word on no list)."""
    for k in range(len(words) - 1):
        surname, given = words[k], words[k + 1]
        if not (surname.text.isupper() and len(surname.text) > 1 and given.title and not given.text.isupper()):
            continue
        if surname.script != "latin" or not _adjacent(text, surname, given):
            continue
        listed_surname = surname.facts.surname and not surname.facts.common
        listed_given = given.facts.given and not given.facts.common
        syllables = _syllables(given)
        surname_ok = listed_surname or _unknown_name(surname)
        if surname_ok and (listed_given or syllables or _unknown_name(given)) and (listed_surname or listed_given):
            yield Finding(surname.start, given.end, "name")


def _listed_pair(run: list[_Word], names: list[_Word]) -> bool:
    """A given name and a surname that the lists hold though each is also a word or a place: "Moira Urquhart",
    "Lien De Backer"; or one of them beside a name on no list: "Sari Sinaga", "Arnab Bose", "Struan Grant"."""
    first, last = names[0], names[-1]
    if len(names) != 2 or any(_acronym(w) for w in names):
        return False
    given = first.facts.given and not first.facts.common
    surname = last.facts.surname and (not last.facts.common or last.facts.frequent)
    joined = len(run) > 2 and all(w.particle for w in run[1:-1])
    return (
        (given and surname)
        or (given and _unknown_name(last))
        or (_unknown_name(first) and surname)
        or (joined and first.facts.name and last.facts.name)
    )


def _surname_first(text: str, words: list[_Word]) -> Iterator[Finding]:
    """ "Moreau, Dmitri", "garcia, maria l.", "WAIRIMU, Achieng", but not a list of places ("London, Sydney and
    Tokyo") nor of products ("Okta, Datadog")."""
    for k in range(len(words) - 1):
        surname, given = words[k], words[k + 1]
        if _COMMA.fullmatch(text, surname.end, given.start) is None:
            continue
        if surname.script != "latin" or given.script != "latin" or not _reads_as_surname_first(surname, given):
            continue
        if k > 0 and "," in text[words[k - 1].end : surname.start]:
            continue
        end = k + 1
        while end + 1 < len(words) and _adjacent(text, words[end], words[end + 1]):
            following = words[end + 1]
            if not (
                following.initial or (following.capitalised and (following.facts.given or _unknown_name(following)))
            ):
                break
            end += 1
        if _LIST_GOES_ON.match(text, words[end].end):
            continue
        yield Finding(surname.start, words[end].end, "name")


def _reads_as_surname_first(surname: _Word, given: _Word) -> bool:
    """A surname, a comma and a given name: one of them a listed name that reads as one, the other a listed name
    or a word on no list; or a surname in capitals before a capitalised word on no list ("SHAZOSK, Nuzux")."""
    if surname.capitalised != given.capitalised:
        return False  # "the working group, Emily Albini"
    if not surname.capitalised:  # "garcia, maria"
        return surname.facts.name and given.facts.given and (surname.facts.pure or given.facts.pure)
    surname_listed = surname.facts.strong and (surname.facts.surname or not surname.facts.given)
    given_listed = given.facts.given and given.facts.strong
    if _syllables(given):  # "Park, Seung-hoon"
        return surname.facts.surname or _unknown_name(surname)
    if surname_listed or given_listed:
        # a surname that is a word too, before a given name that reads as one: "Strand, Mikkel", "Iqbal, Ayesha"
        surname_ok = surname_listed or _unknown_name(surname) or (given_listed and _plain_surname(surname))
        return surname_ok and (given_listed or _unknown_name(given))
    return surname.text.isupper() and _unknown_name(surname) and _unknown_name(given) and not given.text.isupper()


def _plain_surname(word: _Word) -> bool:
    """A listed surname that is a word, but neither a common one nor a place's name ("Strand", "Iqbal"; not
    "London")."""
    return word.facts.surname and not word.facts.common and not (word.facts.proper and word.facts.given)


def _after_cues(text: str, words: list[_Word]) -> Iterator[Finding]:
    """The name after a cue. Cues are matched where a word starts (cheaper than searching the whole text)."""
    starts = {word.start: n for n, word in enumerate(words)}
    for word in words:
        for pattern, anything in ((_NAMED, True), (_CUE, False)):
            cue = pattern.match(text, word.start)
            if cue is None:
                continue
            gap = _CUE_GAP.match(text, cue.end())
            first = starts.get(gap.end()) if gap else None
            if first is not None:
                taken = _taken_after_cue(text, words, first, anything=anything, person=bool(cue.group("person")))
                if taken > first:
                    yield Finding(words[first].start, words[taken - 1].end, "name")
            break


def _taken_after_cue(text: str, words: list[_Word], first: int, *, anything: bool, person: bool) -> int:
    """How far the name after a cue goes: name words in any case, up to the first ordinary word."""
    n = first
    while n < len(words) and n - first < _MOST_AFTER_CUE:
        if n > first and not _adjacent(text, words[n - 1], words[n]):
            break
        if not _continues_name(text, words, n, first, anything=anything, person=person):
            break
        n += 1
    while n > first and (words[n - 1].particle or (words[n - 1].initial and not words[n - 1].text.endswith("."))):
        n -= 1
    return n


def _continues_name(text: str, words: list[_Word], n: int, first: int, *, anything: bool, person: bool) -> bool:
    word, facts = words[n], words[n].facts
    following = words[n + 1] if n + 1 < len(words) else None
    if n == first and anything and not facts.common:
        return True  # "a user named xXemberNovaXx"
    if word.initial or (word.particle and n > first) or facts.strong:
        return True
    if facts.name and word.capitalised and (person or not facts.common):
        return True  # after "her mother", a capitalised common word is a name too: "Grace"
    if (
        facts.given
        and following is not None
        and _adjacent(text, word, following)
        and _reads_as_surname(following, person)
    ):
        return True  # "her mother grace adeyemi": a common word that a name follows
    if person and n > first and words[n - 1].facts.given and _unlisted_surname(word):
        return True  # "the victim is maria lindqvist": a surname on no list, after a given name
    if person and (
        _lower_unknown(word) or (n > first and words[n - 1].facts.given and _after_given(words[n - 1], word))
    ):
        return True  # "her mother ragnhild rasmussen", "seine Schwester sakura park"
    if word.script != "latin":
        return word.title or facts.name
    return _unknown_name(word)


def _reads_as_surname(word: _Word, person: bool) -> bool:
    """After a given name: a surname that reads as one, or, after a person's cue, any listed surname but a common
    word, and a word on no list ("her mother tapas bose", "the victim is maria lindqvist")."""
    if word.facts.strong:
        return True
    return person and (_unlisted_surname(word) or (word.facts.surname and not word.facts.common))


def _after_given(given: _Word, word: _Word) -> bool:
    """After a given name that is no common word, a frequent surname written alike, common words too ("jörg wolf",
    "letícia dias"; not "Maria was"); otherwise only one that reads as a surname ("these reporters add weight")."""
    frequent = word.facts.surname and word.facts.frequent and word.capitalised == given.capitalised
    return (frequent and not given.facts.common) or _reads_as_surname(word, person=True)


def _unlisted_surname(word: _Word) -> bool:
    """A lower-case word of no list and no language that follows a given name after a cue: a surname."""
    return word.script == "latin" and word.text.islower() and len(word.text) > 2 and not word.facts.word


def _east_asian(text: str, words: list[_Word], lex: Lexicon) -> Iterator[Finding]:
    """A Chinese, Japanese or Korean name on its own in a sentence: a short run that starts with a listed surname
    ("王伟", "佐藤健", "김민준", "王 伟"). Longer runs are prose in those languages, which is left alone."""
    for k, word in enumerate(words):
        if word.script != "cjk":
            continue
        if 2 <= len(word.text) <= 4 and _starts_with_surname(word.text, lex):
            yield Finding(word.start, word.end, "name")
        elif word.facts.surname and k + 1 < len(words):
            given = words[k + 1]
            if given.script == "cjk" and len(given.text) <= 3 and _adjacent(text, word, given):
                yield Finding(word.start, given.end, "name")


def _starts_with_surname(text: str, lex: Lexicon) -> bool:
    return any(fold(text[:size]) in lex.surnames for size in (1, 2, 3) if size < len(text))
