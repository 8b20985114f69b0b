"""The detector finds personal data as people write it, and leaves the ordinary facts of an incident alone."""

from __future__ import annotations

import pytest

from incidents.reviews.redact import masked

FOUND = {
    "phone": [
        "(020) 7946 0958", "020-7946-0958", "+1.415.555.0134", "415.555.0134", "+91 98765 43210", "07700 900123",
        "0044 20 7946 0958", "+33 (0)6 12 34 56 78", "06-12-34-56-78", "+49 (30) 1234567", "1-800-555-0199",
        "(415)555-0134", "+44 7700 900 123",
    ],
    "email": [
        "jane.doe+tag@sub.example.co.uk", "JANE@EXAMPLE.COM", "jane(dot)doe(at)gmail(dot)com", "jane at gmail dot com",
        "jane[at]gmail.com", "jane {at} example {dot} org", "jane AT example DOT com",
        "jane dot doe at example dot com", "jane.doe\uff20example.com",
    ],
    "ip": ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "fe80::1ff:fe23:4567:890a", "192.168.1.10", "::ffff:192.0.2.1"],
    "address": [
        "Flat 3, 12 High Street", "1600 Amphitheatre Pkwy", "10 Downing St", "742 Evergreen Terrace",
        "350 Fifth Avenue", "350 5th Ave", "1 Infinite Loop", "Av. Paulista, 1578",
        "Musterstraße 12", "ul. Marszałkowska 10", "12 rue de Rivoli", "SW1A 1AA", "NY 10118",
    ],
    "handle": [
        "@jane.doe", "@Jane_Doe", "snap: jane.doe", "Discord: jane#1234", "TikTok: @jane", "her IG is jane.doe",
        "on Instagram as janedoe", "u/throwaway_99", "username: coolkid", "account jane_doe_99",
    ],
    "url": [
        "twitter.com/janedoe", "youtube.com/@janedoe", "t.me/janedoe", "https://www.reddit.com/user/janedoe",
        "https://svc@git.example.com/repo", "janedoe.tumblr.com",
    ],
    "card": ["4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004", "3782 822463 10005"],
    "date_of_birth": ["born on 3 March 2008", "DOB 03.04.2009", "birthday: 12/25/2010", "date of birth: 2010-05-06"],
    "national_id": [
        "SSN: 123-45-6789", "SIN 046 454 286", "NIN AB 12 34 56 C", "Aadhaar 1234 5678 9012", "CPF 123.456.789-09",
        "BSN 123456782", "Personnummer 19811218-9876", "passport no. X1234567", "NI number QQ 12 34 56 C",
        "PAN ABCDE1234F", "user id 12345678", "account ID: 123456789",
    ],
    "coordinates": [
        "N 51.5074, W 0.1278", "51.5074° N, 0.1278° W", "-33.8688, 151.2093", "40.7128,-74.0060",
        "lat 51.50072 lon -0.12462",
    ],
    "slack_id": ["U024BE7LH", "W012A3CDE"],
    "name": [
        "Mr. John Smith", "victim Maria Garcia", "a user named Priya Haddad", "contact person: John Smith",
        "reported by John Smith", "spoke with Jane Roe", "Full name: Jane Roe",
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("category", "value"), [(category, value) for category, values in FOUND.items() for value in values]
)
def test_personal_data_is_found_however_it_is_written(category: str, value: str) -> None:
    text = f"Noted: {value} was mentioned."
    shown = masked(text, None, {})
    identifying = value.split(": ")[-1].split(" as ")[-1].removeprefix("her IG is ")
    assert identifying not in shown, f"{category}: {shown}"
    assert shown.startswith("Noted: ") and shown.endswith(" was mentioned."), shown


@pytest.mark.parametrize(
    "text",
    [
        "Rolled back deploy at 14:05; error rate 0.3%; 1,250 reports; ticket SAFE-481; v2.3.1",
        "3 accounts suspended; queue depth 12000; latency p99 850ms; SEV1 since 2026-11-23 12:00 UTC",
        "Case DE-LKA-2026-118834 opened with the police; INC-2026-0042 linked; 340 live viewers",
        "Moved 15000000 posts to review; the user account was suspended and the account is locked",
        "The Commander handed off to the Deputy; Legal approved; the stream ended on 2026-11-23.",
        "Stream ended by Safety Ops; reported to the Trust Team and to Europol; rolled back deploy 2026.11.3",
    ],
)
def test_the_facts_of_an_incident_stay_readable(text: str) -> None:
    assert masked(text, None, {}) == text


def test_known_identifiers_become_their_tokens() -> None:
    identifiers = {"Jane Doe": "Reporter", "jdoe_99": "Reporter", "Sam Okafor": "Witness"}
    shown = masked("Jane Doe (@jdoe_99) said Okafor saw it; doe was not there", None, identifiers)
    assert shown == "Reporter (Reporter) said Witness saw it; doe was not there"
