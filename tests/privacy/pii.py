"""Hypothesis strategies for personal data as people really type it into an incident, by category.

Each strategy yields a :class:`Planted`: the text to plant and the fragments of it that must never reach a reader
beyond the team (the whole value, and the part that identifies someone on its own: an e-mail's local part, a
handle without its platform, a name's parts).
"""

from __future__ import annotations

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
    form = draw(
        st.sampled_from(
            [f"@{handle}", f"u/{handle}", f"instagram: {handle}", f"TikTok @{handle}", f"twitter handle {handle}"]
        )
    )
    return Planted("handle", f"posted from {form}", (handle,))


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
    written = draw(st.sampled_from([f"{lat:.5f}, {lon:.5f}", f"lat {lat:.5f} lon {lon:.5f}", f"{lat:.6f},{lon:.6f}"]))
    return Planted("coordinates", f"phone last seen at {written}", (written, f"{lat:.5f}"))


@st.composite
def slack_ids(draw: st.DrawFn) -> Planted:
    key = "U" + draw(st.text("ABCDEFGHJKLMNPQRSTVWXYZ", min_size=4, max_size=5)) + str(draw(st.integers(1000, 99999)))
    return Planted("slack_id", f"flagged by {key} in the queue", (key,))


@st.composite
def named_people(draw: st.DrawFn) -> Planted:
    """A name introduced the way incident notes introduce people ("victim Maria Garcia", "Mr. Diego Tanaka")."""
    person = draw(people)
    cue = draw(st.sampled_from(["victim", "a user named", "Mr.", "Ms", "reporter", "her mother"]))
    return Planted("name", f"{cue} {person.name} asked for help", (person.name, person.last))


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
