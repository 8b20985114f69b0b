"""People's names nobody told Vigil about, handles in every written form and coordinates after a location cue are
masked for leadership; the words of ordinary incident text are not.

The recall of names is measured on a generator held apart from the one the detector was developed against
(``held_out_people``): other names, other forms, another seed.
"""

from __future__ import annotations

import random

import pytest

from incidents.reviews.redact import masked
from tests.privacy.pii import held_out_people

NAMES = [
    # (text, what must not be readable)
    ("Dmitri Moreau posted the first clip", ["Dmitri", "Moreau"]),
    ("dmitri moreau posted the first clip", ["dmitri", "moreau"]),
    ("Dmitri L. Moreau posted the first clip", ["Dmitri", "Moreau"]),
    ("Moreau, Dmitri posted the first clip", ["Dmitri", "Moreau"]),
    ("moreau, dmitri posted the first clip", ["dmitri", "moreau"]),
    ("Dmitri Moreau's clip was reposted", ["Dmitri", "Moreau"]),
    ("Anne-Marie O'Brien-Keane filed it", ["Anne-Marie", "O'Brien-Keane"]),
    ("María José de la Cruz filed it", ["María", "Cruz"]),
    ("Oluwaseun Adeyemi filed it", ["Oluwaseun", "Adeyemi"]),
    ("the creator grace okonkwo was targeted", ["grace okonkwo"]),
    ("MOREAU Dmitri posted the first clip", ["MOREAU", "Dmitri"]),
    ("Дмитрий Моро опубликовал", ["Дмитрий", "Моро"]),  # noqa: RUF001
    ("posted by 王伟 yesterday", ["王伟"]),
    ("posted by 김민준 yesterday", ["김민준"]),
    ("posted by 佐藤健 yesterday", ["佐藤健"]),
    # cues in sentences, in the policy pack's languages
    ("her mother esperanza müller called back", ["esperanza", "müller"]),
    ("the victim is Dmitri L. Moreau", ["Dmitri", "Moreau"]),
    ("his brother Tomasz called", ["Tomasz"]),
    ("contacted by ingrid", ["ingrid"]),
    ("a user named xXemberNovaXx joined", ["xXemberNovaXx"]),
    ("su madre esperanza llamó", ["esperanza"]),
    ("la víctima es lucía fernández", ["lucía", "fernández"]),
    ("a vítima é joão pereira", ["joão", "pereira"]),
    ("sua mãe Luíza ligou", ["Luíza"]),
    ("das Opfer ist Jürgen Weiß", ["Jürgen", "Weiß"]),
    ("seine Schwester Greta rief an", ["Greta"]),
    ("la victime est jeanne dupont", ["jeanne", "dupont"]),
    ("sa mère Hélène a appelé", ["Hélène"]),
    ("contactée par Margaux", ["Margaux"]),
    # particles, joined prefixes and two-syllable given names
    ("Escalated after Tomás de Oliveira replied", ["Tomás", "Oliveira"]),
    ("Escalated after Pieter van der Linden replied", ["Pieter", "Linden"]),
    ("Escalated after Siti binti Hassan replied", ["Siti", "Hassan"]),
    ("Escalated after Karim el-Masri replied", ["Karim", "Masri"]),
    ("Escalated after Ji-woo Han replied", ["Ji-woo", "Han"]),
    # lower case: a listed name beside one no list holds
    ("followed up with rainer obermoser today", ["rainer", "obermoser"]),
    ("Whistleblower aoife kinsella asked for anonymity", ["aoife", "kinsella"]),
    # capitals: shouted, or a surname first as forms write it
    ("posts about SIGRUN HALLGRIMSDOTTIR were removed", ["SIGRUN", "HALLGRIMSDOTTIR"]),
    ("the docket lists ZHAO Mingyu as the respondent", ["ZHAO", "Mingyu"]),
    ("Passenger list: Lindgren, Sven; seat 3A", ["Lindgren", "Sven"]),
    ("Name on ID: Okonkwo, Chidinma", ["Okonkwo", "Chidinma"]),
    # listed names that are words or places too, and names on no list in capitals
    ("caller claimed to be Fiona Urquart-Blyth", ["Fiona", "Urquart-Blyth"]),
    ("The spreadsheet names Zorvath Quillimax as an admin", ["Zorvath", "Quillimax"]),
    ("Moderator queue shows Hedda K. Brunnvoll appealing", ["Hedda", "Brunnvoll"]),
    # in lower case after a cue, whatever the lists say
    ("the victim is sigrun brunnvoll", ["sigrun", "brunnvoll"]),
    ("su hermano tomás quispe envió fotos", ["tomás", "quispe"]),
    ("We spoke with wanjiru kamau by phone", ["wanjiru", "kamau"]),
]


@pytest.mark.parametrize(("text", "secrets"), NAMES)
def test_names_are_masked_however_they_are_written(text: str, secrets: list[str]) -> None:
    shown = masked(text, None, {})
    assert "[name]" in shown, shown
    for secret in secrets:
        assert secret not in shown, shown


HANDLES_AND_PLACES = [
    ("offending account xXemberNovaXx#9895 again", ["xXemberNovaXx#9895", "xXemberNovaXx"]),
    ("discord ember_nova#0001 sent it", ["ember_nova"]),
    ("from @ember@mastodon.social", ["ember@mastodon", "@ember"]),
    ("ember-nova.bsky.social reposted", ["ember-nova"]),
    ("tiktok: @ember.nova", ["ember.nova"]),
    ("ig/ember.nova", ["ember.nova"]),
    ("tt: embernova", ["embernova"]),
    ("xXemberNovaXx on TikTok", ["xXemberNovaXx"]),
    ("geotag -27.3187, -29.1875 on the photo", ["27.3187", "29.1875"]),
    ("GPS: 51.5, -0.12 in the metadata", ["51.5", "0.12"]),
    ("lat/long 48.85 2.35 from the post", ["48.85", "2.35"]),
    ("coords 48,8566; 2,3522", ["48,8566", "2,3522"]),
    ("last seen at 40° 26′ 46″ N, 79° 58′ 56″ W", ["40° 26′ 46″"]),  # noqa: RUF001
    ("the threats came from quillfern on Instagram", ["quillfern"]),
    ("the account is on TikTok as the.real.mara", ["the.real.mara"]),
    ("meeting point given as 12.97, 77.59 in the DM", ["12.97", "77.59"]),
    ("geotag on the second photo reads -33.87,151.21", ["33.87", "151.21"]),
]


@pytest.mark.parametrize(("text", "secrets"), HANDLES_AND_PLACES)
def test_handles_and_coordinates_are_masked_in_every_written_form(text: str, secrets: list[str]) -> None:
    shown = masked(text, None, {})
    for secret in secrets:
        assert secret not in shown, shown


@pytest.mark.parametrize(
    "text",
    [
        "On August 16 the Rust Foundation and the Trust & Safety team rolled back the Docker Hub mirror",
        "We use Amazon Aurora PostgreSQL, Apache Kafka and Jenkins in Sydney, London and Tokyo",
        "Have I Been Pwned flagged the account; see issue#1234 and PR#881; error rate 1.5% on line 42",
        "The GitHub outage delayed the release; the crate author published versions 8.3.41 and 8.3.42",
        "Grace period extended; Will Smith and Mark Price are not mentioned; the user account was locked",
        "Virginia and Georgia regions degraded; Paris office on call; Austin, Jordan and Victoria unaffected",
        "location 3 of 4 incidents; the handle this team owns; username and password rotated",
        "a new one at crates.io; status.crates.io and hub.docker.com were down; see setup.py and Cargo.toml",
        "Scam ads in Ho Chi Minh City and Kuala Lumpur cite Goldman Sachs and Morgan Stanley",
        "The Regina office and the Santa Clara team moved the queue to São Paulo",
        "the working group, Emily's team and the moderators on TikTok as usual",
    ],
)
def test_ordinary_incident_words_stay_readable(text: str) -> None:
    assert masked(text, None, {}) == text


HELD_OUT_SEED = 20261207
"""Never used while the detector was developed: recall is measured, not tuned, on it."""
HELD_OUT_SAMPLES = 400


def test_names_nobody_told_vigil_about_are_found_in_held_out_forms() -> None:
    leaked: list[str] = []
    samples = [held_out_people(random.Random(HELD_OUT_SEED + n)) for n in range(HELD_OUT_SAMPLES)]
    for text, secrets in samples:
        shown = masked(text, None, {})
        if any(secret in shown for secret in secrets):
            leaked.append(f"{text!r} -> {shown!r}")
    recall = 1 - len(leaked) / len(samples)
    assert recall >= 0.95, f"recall {recall:.1%}; leaked:\n" + "\n".join(leaked)
