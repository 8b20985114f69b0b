"""Hypothesis strategies for personal data as people really type it into an incident, by category.

Each strategy yields a :class:`Planted`: the text to plant and the fragments of it that must never reach a reader
beyond the team (the whole value, and the part that identifies someone on its own: an e-mail's local part, a
handle without its platform, a name's parts).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers
from hypothesis import strategies as st


@dataclass(frozen=True)
class Planted:
    category: str
    text: str
    """What is typed, e.g. "reach her at jane.doe at example dot com"."""
    secrets: tuple[str, ...]
    """Fragments of ``text`` that identify someone; none may appear in a leadership surface."""


def _word(min_size: int = 4, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text("bcdfghjklmnprstvwz", min_size=min_size, max_size=max_size).map(lambda w: w[0] + "a" + w[1:])


_local = st.builds(lambda a, b, n: f"{a}.{b}{n}", _word(), _word(3, 6), st.integers(10, 99))
_tld = st.sampled_from(["com", "org", "net", "io", "co.uk", "de"])


@st.composite
def emails(draw: st.DrawFn) -> Planted:
    local, domain, tld = draw(_local), draw(_word(4, 9)), draw(_tld)
    spelled = f"{domain} dot {tld.replace('.', ' dot ')}"
    written_local, form = draw(
        st.sampled_from(
            [
                (local, f"{local}@{domain}.{tld}"),
                (local.replace(".", " dot "), f"{local.replace('.', ' dot ')} at {spelled}"),
                (local, f"{local} [at] {domain} [dot] {tld.replace('.', ' [dot] ')}"),
                (local, f"{local}(at){domain}(dot){tld.replace('.', '(dot)')}"),
                (local, f"{local} @ {domain} . {tld}"),
            ]
        )
    )
    return Planted("email", f"write to {form}", (form, written_local))


_REGIONS = ["US", "GB", "DE", "FR", "IN", "BR", "AU", "JP", "NG", "MX", "ES", "IT", "CA", "ZA", "NL", "SE", "PL", "KE"]
_FORMATS = [
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
]


@st.composite
def phones(draw: st.DrawFn) -> Planted:
    region = draw(st.sampled_from(_REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    example = phonenumbers.example_number_for_type(region, kind)
    digits = str(example.national_number)
    tail = draw(st.text("0123456789", min_size=3, max_size=3))
    number = phonenumbers.parse(f"+{example.country_code}{digits[:-3]}{tail}")
    written = phonenumbers.format_number(number, draw(st.sampled_from(_FORMATS)))
    return Planted("phone", f"call back on {written}", (written,))


@st.composite
def ip_addresses(draw: st.DrawFn) -> Planted:
    address = str(draw(st.ip_addresses(v=draw(st.sampled_from([4, 6])))))
    address = draw(
        st.just(address).filter(lambda a: a.count(":") >= 4 or a.count(".") == 3),
    )
    return Planted("ip", f"logins came from {address} today", (address,))


_STREETS = ["Baker", "Maple", "Oakwood", "Station", "Church", "Victoria", "Elm", "Harbour", "Mill", "Kingsley"]
_STREET_TYPES = ["Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Drive", "Boulevard", "Close", "Court", "Way"]


@st.composite
def addresses(draw: st.DrawFn) -> Planted:
    number, name = draw(st.integers(1, 9999)), draw(st.sampled_from(_STREETS))
    form = draw(
        st.sampled_from(
            [
                f"{number} {name} {draw(st.sampled_from(_STREET_TYPES))}",
                f"{number} {name} {draw(st.sampled_from(_STREET_TYPES))}, Apt {draw(st.integers(1, 40))}",
                f"{number} rue de la {name}",
                f"{name}straße {number}",
                f"Calle {name} {number}",
            ]
        )
    )
    return Planted("address", f"the person lives at {form}", (form,))


_FIRST = ["Maria", "Oluwaseun", "Hannah", "Diego", "Priya", "Tomasz", "Aisha", "Kenji", "Fatima", "Lukas", "Grace"]
_LAST = ["Garcia", "Adeyemi", "Schneider", "Okonkwo", "Kowalczyk", "Tanaka", "Haddad", "Lindqvist", "Moreno"]


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


people = st.builds(Person, st.sampled_from(_FIRST), st.sampled_from(_LAST))


@st.composite
def handles(draw: st.DrawFn) -> Planted:
    handle = draw(st.builds(lambda w, n: f"{w}_{n}", _word(4, 8), st.integers(1, 9999)))
    tag = draw(st.integers(1, 9999))
    form = draw(
        st.sampled_from(
            [
                f"@{handle}",
                f"u/{handle}",
                f"instagram: {handle}",
                f"TikTok @{handle}",
                f"twitter handle {handle}",
                f"{handle}#{tag:04d}",
                f"discord {handle}#{tag:04d}",
                f"@{handle}@mastodon.social",
                f"{handle.replace('_', '-')}.bsky.social",
                f"ig/{handle}",
                f"tt: {handle}",
                f"{handle} on TikTok",
            ]
        )
    )
    secret = handle.replace("_", "-") if ".bsky." in form else handle
    return Planted("handle", f"posted from {form}", (secret,))


@st.composite
def profile_urls(draw: st.DrawFn) -> Planted:
    handle = draw(st.builds(lambda w, n: f"{w}{n}", _word(4, 8), st.integers(10, 999)))
    form = draw(
        st.sampled_from(
            [
                f"https://www.instagram.com/{handle}/",
                f"instagram.com/{handle}",
                f"https://tiktok.com/@{handle}",
                f"facebook.com/profile.php?id=1000{draw(st.integers(10**7, 10**8))}",
                f"https://{handle}:secret@git.example.com/repo",
                f"{handle}.tumblr.com",
            ]
        )
    )
    return Planted("url", f"see {form} for the posts", (form, handle) if handle in form else (form,))


def _luhn_complete(prefix: str, length: int) -> str:
    digits = [int(d) for d in prefix]
    for check in range(10):
        candidate = [*digits, check]
        total = 0
        for i, d in enumerate(reversed(candidate)):
            total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
        if total % 10 == 0:
            return prefix + str(check)
    raise AssertionError("unreachable")


@st.composite
def cards(draw: st.DrawFn) -> Planted:
    start, length = draw(st.sampled_from([("4", 16), ("51", 16), ("55", 16), ("37", 15)]))
    body = draw(st.text("0123456789", min_size=length - len(start) - 1, max_size=length - len(start) - 1))
    number = _luhn_complete(start + body, length)
    separator = draw(st.sampled_from(["", " ", "-"]))
    groups = [number[i : i + 4] for i in range(0, length, 4)]
    written = separator.join(groups)
    return Planted("card", f"charged to card {written}", (written,))


@st.composite
def dates_of_birth(draw: st.DrawFn) -> Planted:
    year, month, day = draw(st.integers(1950, 2020)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
    form = draw(
        st.sampled_from(
            [
                f"born {day:02d}/{month:02d}/{year}",
                f"DOB: {year}-{month:02d}-{day:02d}",
                f"date of birth {day} {months[(month - 1) % 10]} {year}",
                f"d.o.b. {month}/{day}/{year}",
            ]
        )
    )
    return Planted("date_of_birth", f"the child, {form}, was contacted", (form.split(maxsplit=1)[1].lstrip(": "),))


@st.composite
def national_ids(draw: st.DrawFn) -> Planted:
    ssn = f"{draw(st.integers(100, 665))}-{draw(st.integers(10, 99))}-{draw(st.integers(1000, 9999))}"
    letters = draw(st.sampled_from(["AB", "CE", "JG", "PR"]))
    nino = f"{letters}{draw(st.integers(100000, 999999))}{draw(st.sampled_from('ABCD'))}"
    dni = f"{draw(st.integers(10_000_000, 99_999_999))}{draw(st.sampled_from('TRWAGMY'))}"
    form, value = draw(
        st.sampled_from(
            [
                (f"SSN {ssn}", ssn),
                (f"national insurance number {nino}", nino),
                (f"DNI: {dni}", dni),
                (f"passport no. X{dni[:7]}", f"X{dni[:7]}"),
                (f"national ID {dni[:8]}1", f"{dni[:8]}1"),
            ]
        )
    )
    return Planted("national_id", f"verified with {form}", (value,))


@st.composite
def coordinates(draw: st.DrawFn) -> Planted:
    lat = draw(st.floats(-80, 80)).__round__(5)
    lon = draw(st.floats(-170, 170)).__round__(5)
    places = draw(st.integers(1, 6))
    pair = f"{lat:.{places}f}, {lon:.{places}f}"
    written, secret = draw(
        st.sampled_from(
            [
                (f"{lat:.5f}, {lon:.5f}", f"{lat:.5f}"),
                (f"lat {lat:.5f} lon {lon:.5f}", f"{lat:.5f}"),
                (f"{lat:.6f},{lon:.6f}", f"{lat:.6f}"),
                (f"geotag {pair}", pair),
                (f"GPS {lat:.{places}f} {lon:.{places}f}", f"{lat:.{places}f} {lon:.{places}f}"),
                (f"coords: {pair}", pair),
            ]
        )
    )
    return Planted("coordinates", f"phone last seen at {written}", (written, secret))


@st.composite
def slack_ids(draw: st.DrawFn) -> Planted:
    key = "U" + draw(st.text("ABCDEFGHJKLMNPQRSTVWXYZ", min_size=4, max_size=5)) + str(draw(st.integers(1000, 99999)))
    return Planted("slack_id", f"flagged by {key} in the queue", (key,))


_CUES = [
    "victim", "a user named", "Mr.", "Ms", "reporter", "her mother", "the victim is", "his brother", "contacted by",
    "su madre", "a vítima é", "das Opfer ist", "la victime est",
]  # fmt: skip


@st.composite
def named_people(draw: st.DrawFn) -> Planted:
    """A name introduced the way incident notes introduce people ("victim Maria Garcia", "her mother maria garcia"),
    in the languages of the policy pack's regions."""
    person = draw(people)
    cue = draw(st.sampled_from(_CUES))
    lower = draw(st.booleans()) and not cue.startswith(("Mr", "Ms"))
    name, last = (person.name.lower(), person.last.lower()) if lower else (person.name, person.last)
    return Planted("name", f"{cue} {name} asked for help", (name, last))


ANY = st.one_of(
    emails(),
    phones(),
    ip_addresses(),
    addresses(),
    handles(),
    profile_urls(),
    cards(),
    dates_of_birth(),
    national_ids(),
    coordinates(),
    slack_ids(),
    named_people(),
)
TITLE_SAFE = st.one_of(addresses(), handles(), named_people())
"""Categories a title may hold (titles refuse e-mail addresses and anything shaped like a phone number)."""


# --- held apart: names and forms the detector was never developed against (tests/privacy/test_names.py) ----------

_HELD_OUT_GIVEN = [
    "Aleksandra", "Bogdan", "Chiamaka", "Dagny", "Eleni", "Farhan", "Giedrė", "Hamza", "Ingeborg", "Joaquín", "Kwame",
    "Leilani", "Mateusz", "Nadia", "Oskar", "Pooja", "Quentin", "Rania", "Siobhán", "Thiago", "Ulla", "Valentina",
    "Wojciech", "Ximena", "Yusuf", "Zeynep", "Björn", "Camille", "Dimitra", "Emeka", "Fernanda", "Gustavo", "Hiroshi",
    "Ifeoma", "Jovana", "Kateryna", "Luca", "Mariam", "Nikolai", "Olga", "Paulo", "Rafael", "Svetlana", "Tariq",
    "Vikram", "Wanjiru", "Yara", "Zoltán", "Ananya", "Bilal", "Chidi", "Esra", "Florin", "Gabriela", "Henrik", "Ilse",
    "Jarrah", "Keanu", "Lamar", "Mireille", "Nkechi",
]  # fmt: skip
_HELD_OUT_SURNAMES = [
    "Nowakowska", "Petrović", "Okeke", "Haugen", "Papadopoulou", "Rahman", "Kazlauskienė", "Aziz", "Lindahl",
    "Fuentes", "Mensah", "Kahananui", "Wiśniewski", "Benali", "Sjöberg", "Bhatt", "Lefebvre", "Farouk", "Carvalho",
    "Juhász", "Mwangi", "Yilmaz", "Nakamura", "Eze", "Fernandes", "Hoffmann", "Ivanova", "Jensen", "Kaya", "Laurent",
    "Marinescu", "Nguyen", "Ortega", "Quispe", "Rossi", "Schulz", "Tkachenko", "Usman", "Varga", "Wójcik", "Zhou",
    "Abubakar", "Bergström", "Castellanos", "Dlamini", "Esposito", "Ferreira", "Grünewald", "Horvat", "Iyer",
    "Jovanović", "Lombardi", "Moyo", "Novák", "Oyelaran", "Popescu", "Achterberg", "Delacroix", "Gallagher",
]  # fmt: skip
_HELD_OUT_FORMS = (
    ("{G} {S} kept posting after the ban", "{G} {S}"),
    ("screenshots from {g} {s} were attached", "{g} {s}"),
    ("{G} {I}. {S} reported the stream", "{G} {I}. {S}"),
    ("escalated: {S}, {G} (a minor)", "{S}, {G}"),
    ("{G} {S}'s followers piled on", "{G} {S}"),
    ("{G} {S}-{S2} was doxxed", "{G} {S}-{S2}"),
    ("thread started by {SU} {G}", "{SU} {G}"),
    ("we believe {g} {s} runs the alt", "{g} {s}"),
    ("case notes mention {G} {G2} {S} twice", "{G} {G2} {S}"),
    ("the clip shows {G} {S} and her car", "{G} {S}"),
)


def held_out_people(rng: random.Random) -> tuple[str, list[str]]:
    """A sentence naming someone without a cue, and what of it must not be readable (the name, its surname)."""
    given, second = rng.sample(_HELD_OUT_GIVEN, 2)
    surname, other = rng.sample(_HELD_OUT_SURNAMES, 2)
    sentence, written = rng.choice(_HELD_OUT_FORMS)
    values = {
        "G": given, "G2": second, "S": surname, "S2": other, "g": given.lower(), "s": surname.lower(),
        "SU": surname.upper(), "I": rng.choice("ABCDEFGHJKLMNPRSTW"),
    }  # fmt: skip
    name = written.format(**values)
    shown_surname = surname.upper() if "{SU}" in written else surname.lower() if "{s}" in written else surname
    return sentence.format(**values), [name, shown_surname]
