"""Find personal data in free text: where it is and what kind, so each audience can be shown a masked copy.

Built on maintained libraries where they exist: Microsoft Presidio's predefined pattern recognizers (e-mail,
Luhn-checked payment cards, IBAN, IPv4/IPv6 validated with :mod:`ipaddress`, crypto wallets, and the
checksum-validated national ids of many countries) and Google's libphonenumber (:mod:`phonenumbers`) for phone
numbers written the way each country writes them. Presidio runs here without a spaCy model (none can be installed
from PyPI under its official name), so it has no named-entity recognition; the patterns below add what a Trust &
Safety incident holds and Presidio does not look for: obfuscated e-mails, handles in every written form, profile
links (a bare host such as "crates.io" names a service and is left alone), street addresses and postcodes,
coordinates, dates of birth, labelled ids and Slack user ids; :mod:`incidents.privacy.names` finds people's names.

Masking errs on the side of the reader who must not see: a number that might be a phone or an id is masked, a
date that might be a birth date (a labelled one, or one more than twelve years back) is masked. The known people of
an incident (Slack users, recorded parties) are also masked by value at render time
(:func:`incidents.reviews.redact.masked`), whatever the detector reads.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache, lru_cache, partial
from typing import Any

import phonenumbers

from incidents.privacy.findings import Finding
from incidents.privacy.lexicon import lexicon
from incidents.privacy.names import find_names

PHONE_REGIONS = ("US", "GB", "IN", "DE", "FR", "BR", "AU", "JP", "NG", "MX", "ES", "IT", "CA", "PH", "ZA", "NL")
"""Regions tried for numbers written without a country code; a ``+``/``00`` number needs none."""


LABELS = {
    "email": "[email]",
    "phone": "[phone]",
    "ip": "[IP address]",
    "url": "[link]",
    "address": "[address]",
    "name": "[name]",
    "handle": "[handle]",
    "card": "[card number]",
    "bank": "[account number]",
    "date_of_birth": "[date of birth]",
    "national_id": "[ID number]",
    "number": "[number]",
    "coordinates": "[location]",
    "slack_id": "[Slack user]",
}
"""What a masked span reads as, by category."""

_PRESIDIO_ENTITIES = {
    "EMAIL_ADDRESS": "email",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "bank",
    "IP_ADDRESS": "ip",
    "CRYPTO": "bank",
}
_PRESIDIO_NATIONAL_IDS = (
    "UsSsnRecognizer",
    "UsItinRecognizer",
    "UsPassportRecognizer",
    "UkNinoRecognizer",
    "NhsRecognizer",
    "EsNifRecognizer",
    "EsNieRecognizer",
    "ItFiscalCodeRecognizer",
    "PlPeselRecognizer",
    "SgFinRecognizer",
    "InAadhaarRecognizer",
    "InPanRecognizer",
    "AuTfnRecognizer",
    "AuMedicareRecognizer",
    "CaSinRecognizer",
    "FiPersonalIdentityCodeRecognizer",
    "SePersonnummerRecognizer",
    "TrNationalIdRecognizer",
    "KrRrnRecognizer",
    "ZaIdNumberRecognizer",
    "NgNinRecognizer",
    "ThTninRecognizer",
)
_MIN_SCORE = 0.3

_TLD = r"(?:com|org|net|edu|gov|io|co|me|info|biz|app|dev|ai|us|uk|de|fr|es|it|nl|ca|au|in|br|jp|ru|ch|se|no|pl)"
_AT = r"(?:\s*[\(\[\{<]\s*(?:at|@)\s*[\)\]\}>]\s*|\s+@\s+|\s*@\s+|\s+@\s*)"
_SPELLED_DOT = r"(?:\s*[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]\s*|\s+dot\s+)"
_DOT = rf"(?:{_SPELLED_DOT}|\s*\.\s+|\s+\.\s*|\.)"
_STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|terr|close|"
    r"crescent|cres|square|sq|highway|hwy|parkway|pkwy|circle|cir|trail|mews|gardens|grove|row|alley|plaza|loop|"
    r"path|walk|hill|green|quay|wharf|heights|rise|vale"
)
_PLATFORMS = (
    r"instagram|insta|ig|twitter|tiktok|tik tok|snapchat|snap|discord|telegram|reddit|facebook|fb|youtube|yt|twitch|"
    r"kik|whatsapp|threads|bluesky|bsky|mastodon|steam|roblox|xbox|psn|github|linkedin|onlyfans|pinterest|tumblr|vk|"
    r"weibo|wechat|skype|minecraft|fortnite|cash ?app|venmo|paypal"
)
_PLATFORM_ABBREVIATIONS = r"tt|sc|dc|tg|wa|gh|masto|fedi|kick|x"
"""Short names of platforms that are words or letters too: a handle follows only after ":" or "/" ("tt: name")."""
_NOT_A_HANDLE_AFTER_AS = (
    r"the|a|an|his|her|their|its|my|our|your|this|that|well|if|of|in|on|at|to|and|or|part|soon|much|many|usual|"
    r"before|such|far|long|expected|reported|described|shown|seen|noted"
)
"""Words after "TikTok as" that go on with the sentence ("… on TikTok as the ringleader"), not an account's name."""
_NOT_HANDLES = (
    r"issue|issues|pr|prs|pull|ticket|case|bug|no|nr|num|number|item|inc|incident|task|step|page|line|room|build|run|"
    r"job|v|version|sev|p|story|req|request|order|invoice|ref|row|slide|channel|comment|post|thread|section|rule|"
    r"check|test|part|phase|batch|node|shard|pod|host|server|cluster|region|zone|rack|port|entry|note|tweet|commit|"
    r"release|mr|change|cl|gh|jira|sprint|week|day|team|group|level|tier|q|question|answer|figure|fig|table|option|"
    r"stage|round|attempt|try|cohort|wave|report|reports|signal|alert|event|episode|chapter|vol|volume|appendix"
)
"""Words before ``#1234`` that make it a number of something ("issue#1234", "PR#881") rather than a Discord tag."""
_LOCATION_CUE = (
    r"geo-?tag(?:ged)?|geo-?locat(?:ion|ed)|geo|location|loc|coords?|co-?ordinates|lat(?:itude)?\s*[/,&]\s*"
    r"(?:long(?:itude)?|lng|lon)|lat-?(?:long|lng|lon)|latlng|gps|position|pinned(?:\s+at)?|pin|located\s+at|"
    r"last\s+(?:seen|known)(?:\s+(?:location|position))?(?:\s+at)?|ubicación|localização|standort|"
    r"coordonnées|posizione|meet-?up(?:\s+(?:point|spot|place))?|meeting\s+(?:point|place|spot)|rendez-?vous|"
    r"drop-?off(?:\s+(?:point|spot))?|pick-?up\s+(?:point|spot|location)|whereabouts|lives\s+at|staying\s+at"
)
_CUE_TO_PLACE = r"(?:\s+[A-Za-z]{1,12}){0,5}?"
"""A few words between a cue and the place it gives ("meet-up point given as -29.50, 61.47", "geotag on the story
reads 3.10, 101.71")."""
_DEGREES = (
    r"(?:[NSEW]\s?)?[-+\u2212]?\d{1,3}"
    r"(?:[.,]\d+(?:\s*°)?|\s*°(?:\s*\d{1,2}\s*['\u2032](?:\s*\d{1,2}(?:\.\d+)?\s*[\"\u2033])?)?)"
)
"""One coordinate at any precision: a fraction ("-27.3", "48,85") or degrees ("51°", "40° 26' 46\"")."""
_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501

_DIGIT = re.compile(r"\d")
"""Numbers are what national ids, dates and phone numbers need: text without a digit skips their recognizers."""
_AT_SIGN = re.compile(r"[@\uff20\ufe6b]")
_MANY_DIGITS = re.compile(r"(?:\d\D{0,3}){12}")
"""A card or an account number holds at least twelve digits (once dates and times are set aside)."""
_ID_SHAPED = re.compile(r"(?:\d[\s.\-/]?){6}|\b(?=(?:[a-z]*\d){3})(?=(?:\d*[a-z]){3})[a-z0-9]{8,16}\b", re.IGNORECASE)
"""What a national id needs: six digits in a row (spaces, dots, dashes or slashes between them allowed), or one token
of letters with at least three digits ("ABCDE1234F")."""
_LONG_TOKEN = re.compile(r"\w{25}")
"""A wallet address is one long token."""
_REMEMBERED = 4096
_REMEMBER_UP_TO = 500
"""The findings of the last :data:`_REMEMBERED` short texts are kept: a wave's in-app reports share a few report
reasons, an alert repeats its annotations, every declare writes the same playbook steps, and each would otherwise
cost up to a millisecond of detection again. Long texts are one person's own words, rarely written twice."""
_NUMBERED = frozenset({"coordinates", "address", "national_id", "slack_id"})
"""Categories whose patterns all need a digit."""
_USER_HOSTS = (
    r"\.(?:tumblr\.com|blogspot\.[a-z.]+|wordpress\.com|github\.io|gitlab\.io|substack\.com|neocities\.org|"
    r"carrd\.co|medium\.com|livejournal\.com|deviantart\.com|itch\.io|netlify\.app|vercel\.app|pages\.dev|web\.app|"
    r"wixsite\.com|weebly\.com|squarespace\.com|myshopify\.com|fc2\.com|over-blog\.com|skyrock\.com)"
)
"""Hosts whose subdomains are people's own pages ("janedoe.tumblr.com")."""
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, flags))
    for category, pattern, flags in (
        # "jane.doe at example dot com", "jane [at] example [dot] co [dot] uk", "jane @ example . com"
        ("email", rf"\b[\w.+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b", re.IGNORECASE),
        ("email", rf"\b[\w.+-]+(?:{_DOT}[\w+-]+)*\s+at\s+[\w-]+(?:{_DOT}[\w-]+)*{_SPELLED_DOT}{_TLD}\b", re.IGNORECASE),
        ("email", r"[\w.+-]+\s?[@\uff20\ufe6b]\s?[\w-]+(?:\.[\w-]+)+", 0),
        # Any scheme, userinfo included; and bare hosts with a path ("name.tumblr.com/post/1").
        ("url", r"\b[a-z][a-z0-9+.-]{1,15}://[^\s<>\"']+", re.IGNORECASE),
        ("url", r"\bwww\d{0,3}\.[^\s<>\"']+", re.IGNORECASE),
        ("url", r"\b(?:[\w-]+\.)+[a-z]{2,24}/[^\s<>\"']*", re.IGNORECASE),
        ("url", rf"\b[\w-]+(?:\.[\w-]+)*{_USER_HOSTS}\b", re.IGNORECASE),
        # Handles: @name (not an e-mail), u/name and r/… style, and platform-labelled accounts.
        ("handle", r"(?<![\w@.+-])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,38}[A-Za-z0-9_])?", 0),
        ("handle", r"(?<![\w/])/?u/[A-Za-z0-9_-]{2,30}", 0),
        # Fediverse and Bluesky: @name@instance.social, name.bsky.social
        ("handle", r"(?<![\w@])@?[A-Za-z0-9_.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", 0),
        ("handle", r"(?<![\w.@])@?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.bsky\.(?:social|team)\b", re.IGNORECASE),
        # Discord tags: name#1234 (not "issue#1234")
        ("handle", rf"(?<![\w#.])(?!(?:{_NOT_HANDLES})#)[A-Za-z0-9_.]{{2,32}}#\d{{4}}(?!\d)", re.IGNORECASE),
        (
            "handle",
            rf"\b(?:{_PLATFORMS})(?:\s+(?:handle|account|username|user(?:\s?name)?|id|name|profile|tag))?"
            r"(?:\s*[:=]\s*@?|\s*/\s*@?|\s+@|\s+(?:is\s+)?(?=[a-z0-9_.]*(?:[0-9_#]|\.\w))|"
            rf"\s+(?:is|as)\s+(?!(?:{_NOT_A_HANDLE_AFTER_AS})[\s,;:!?)]|(?:{_NOT_A_HANDLE_AFTER_AS})$)@?|"
            r"\s*[\(\[]\s*@?)[A-Za-z0-9_][A-Za-z0-9_.#-]{1,38}"
            rf"|\b(?:{_PLATFORM_ABBREVIATIONS})\s*[:/]\s*@?[A-Za-z0-9_][A-Za-z0-9_.#-]{{1,38}}",
            re.IGNORECASE,
        ),
        # The handle before its platform: "xXemberNovaXx on TikTok", "ember_99 (ig)"
        (
            "handle",
            r"(?<![\w@])@?(?=[A-Za-z0-9_.#-]*(?:[0-9_#]|\.\w|[a-z][A-Z]))[A-Za-z0-9_][A-Za-z0-9_.#-]{1,38}"
            rf"(?=\s+(?:on|via)\s+(?i:{_PLATFORMS})\b|\s*[\(\[]\s*(?i:{_PLATFORMS})\s*[\)\]])",
            0,
        ),
        (
            "handle",
            r"\b(?:handle|username|user\s?name|screen\s?name|gamertag|account\s+name)"
            r"(?:\s*(?::|=|\bis\b)\s*@?|\s+@|\s+(?=[a-z0-9_.#-]*(?:[0-9_#]|\.\w)))[A-Za-z0-9_][A-Za-z0-9_.#-]{1,38}"
            r"|\b(?:account|profile|user)\s+(?!\d{1,2}:\d{2})(?=[a-z0-9.]*[0-9_])[A-Za-z0-9_][A-Za-z0-9_.#-]{1,38}",
            re.IGNORECASE,
        ),
        ("slack_id", r"(?<![\w@])[UW](?=[A-Z0-9]*\d)[A-Z0-9]{8,11}\b", 0),
        # 51.5007, -0.1246 · 40°26'46"N 79°58'56"W · geo:51.5,-0.12
        (
            "coordinates",
            r"(?<![\d.])[-+]?\d{1,2}\.\d{3,}(?:\s*°)?(?:\s*[NS]\b)?\s*[,;/]?\s+[-+]?\d{1,3}\.\d{3,}(?:\s*°)?(?:\s*[EW]\b)?"
            r"(?![\d.])"
            r"|(?<![\d.])[-+]?\d{1,2}\.\d{3,},[-+]?\d{1,3}\.\d{3,}(?![\d.])",
            0,
        ),
        (
            "coordinates",
            r"\d{1,3}\s*°\s*\d{1,2}\s*['\u2032]\s*(?:\d{1,2}(?:\.\d+)?\s*[\"\u2033]\s*)?[NS][\s,]*"
            r"\d{1,3}\s*°\s*\d{1,2}\s*['\u2032]\s*(?:\d{1,2}(?:\.\d+)?\s*[\"\u2033]\s*)?[EW]",
            0,
        ),
        ("coordinates", r"\b[NS]\s?\d{1,2}\.\d{3,}°?\W{1,3}[EW]\s?\d{1,3}\.\d{3,}", 0),
        ("coordinates", r"\bgeo:[-+]?\d+(?:\.\d+)?,[-+]?\d+(?:\.\d+)?", re.IGNORECASE),
        # Any precision after a word that says a place follows: "geotag -27.3187, -29.1875", "GPS 51.5 -0.1"
        (
            "coordinates",
            rf"\b(?:{_LOCATION_CUE}){_CUE_TO_PLACE}\W{{0,4}}?"
            rf"(?P<pii>{_DEGREES}(?:\s*[NS]\b)?\s*[,;/ ]\s*{_DEGREES}(?:\s*[EW]\b)?)",
            re.IGNORECASE,
        ),
        (
            "coordinates",
            r"\blat(?:itude)?\W{0,3}[-+]?\d{1,2}\.\d{2,}\W{1,4}(?:lon|lng|long|longitude)\W{0,3}[-+]?\d{1,3}\.\d{2,}",
            re.IGNORECASE,
        ),
        # 221B Baker Street · 1600 Pennsylvania Avenue NW · 12 rue de Rivoli · Hauptstraße 5 · Calle Mayor 3
        (
            "address",
            rf"(?<!:)\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}})?,?\s+(?:(?:\d{{1,3}}(?:st|nd|rd|th)|[A-Za-zÀ-ÿ'.-]+)\s+){{1,4}}"
            rf"(?:{_STREET_TYPES})\b\.?"
            r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?",
            re.IGNORECASE,
        ),
        (
            "address",
            r"\b\d{1,5}[a-z]?,?\s+(?i:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|calle|avenida|via|viale|"
            r"piazza|rua|praça|strada)\s+(?:(?:de|du|des|la|le|l'|del|della|di|do|da|dos)\s+)*"
            r"[A-ZÀ-Ý][\wÀ-ÿ'-]*(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'-]*)*",
            0,
        ),
        (
            "address",
            r"\b(?:rue|avenue|boulevard|chemin|calle|avenida|av\.|via|viale|piazza|rua|praça|ulica|ul\.)\s+"
            r"(?:[\wÀ-ÿ'-]+\s+){0,4}?[\wÀ-ÿ'-]+,?\s+\d{1,5}[a-z]?\b",
            re.IGNORECASE,
        ),
        (
            "address",
            r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|laan|straat|gracht|vej|"
            r"gatan|gata|veien)\s+\d{1,5}[a-z]?\b",
            0,
        ),
        (
            "address",
            r"\b(?:apt|apartment|unit|flat|suite|ste|floor|room)\.?\s*#?\s*\d+[A-Za-z]?\b|\bp\.?\s?o\.?\s+box\s+\d+",
            re.IGNORECASE,
        ),
        # Postcodes: UK (SW1A 1AA), US state + ZIP (IL 62704), Canada (K1A 0B1), Netherlands (1012 AB).
        ("address", r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", 0),
        ("address", r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b", 0),
        ("address", r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b", 0),
        ("address", r"\b\d{4}\s?[A-Z]{2}\b(?=\s+[A-Z][a-z])", 0),
        # Names introduced by a title (names introduced by other words: incidents.privacy.names).
        (
            "name",
            r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Officer|Detective|Det|Sgt|Sergeant|Constable|"
            r"Agent|Judge)\.?\s+[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+){0,2}",
            0,
        ),
        # Ids introduced by a label: "SSN 078-05-1120", "passport no. X1234567", "DNI: 12345678Z".
        (
            "national_id",
            r"(?i:\b(?:ssn|social security(?: number| no\.?)?|national (?:id|insurance)(?: number| no\.?)?|nin|"
            r"nino|ni (?:number|no\.?)|pan|id (?:number|no\.?|card)|identity (?:number|card)|"
            r"passport(?: number| no\.?)?|"
            r"driver'?s? licen[cs]e(?: number| no\.?)?|licen[cs]e (?:number|no\.?)|tax id|tin|dni|nie|nif|cpf|curp|"
            r"aadhaar|pesel|personnummer|bsn|sin|tfn|medicare|nhs(?: number| no\.?)?))\s*[:#]?\s*"
            # the id: groups of capitals and digits; after the first, each holds a digit or is one or two capitals
            r"(?=[A-Z0-9 .-]*\d)[A-Z0-9]+(?:[ .-](?:[A-Z]*\d[A-Z0-9]*|[A-Z]{1,2}\b))*",
            0,
        ),
        ("national_id", r"\b\d{3}-\d{2}-\d{4}\b|\b\d{3}\.\d{3}\.\d{3}-\d{2}\b", 0),
        ("national_id", r"\b[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b", 0),
    )
)

_DATE = re.compile(
    r"(?<![\d./-])(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|0?[1-9]\d?[/.-]0?[1-9]\d?[/.-](?:\d{4}|\d{2})|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\s*,?\s*\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s*\d{{4}})"
    r"(?![\d]|[-./]\d)",
    re.IGNORECASE,
)
_BIRTH_CUE = re.compile(
    r"(?:born|birth|b\.|dob|d\.o\.b\.?|birthday|date of birth|birthdate|age[ds]?)\W{0,3}(?:\w+\W{1,3}){0,2}$",
    re.IGNORECASE,
)
_VERSION_CUE = re.compile(
    r"\b(?:versions?|releases?|v|rev|build|patch|tag)\W{0,3}(?:[\w.-]+(?:\s*,\s*(?:and\s+)?|\s+(?:and|or|to)\s+))*$",
    re.IGNORECASE,
)
"""What makes "8.3.41" a version rather than a date ("versions 8.3.41, 8.3.42 and 8.3.45")."""
_YEAR = re.compile(r"(\d{4})|\b(\d{2})$")
_ORGANISATION = re.compile(
    r"\b(?:Ops|Operations|Team|Teams|Safety|Trust|Legal|Support|Engineering|Policy|Police|Department|Dept|Services?|"
    r"Security|Desk|Cent(?:er|re)|Unit|Group|Office|Platform|Council|Agency|Authority|Commission|Inc|Ltd|LLC|GmbH|"
    r"Bank|Hospital|School|University|Foundation|Hotline|Europol|Interpol|NCMEC|Google|Meta|Apple|Microsoft)\b"
)
"""Words that make "by Safety Ops" a team or an organisation rather than a person's name."""
_NAMED_LIKE_PEOPLE = re.compile(
    r"\b(?:Kuala Lumpur|Ho Chi Minh|Goldman Sachs|Morgan Stanley|Dow Jones|Wells Fargo|Charles Schwab|Hugo Boss|"
    r"Louis Vuitton|Calvin Klein|Ralph Lauren|Tommy Hilfiger|Est[ée]e Lauder|Harley[- ]Davidson|Rolls[- ]Royce|"
    r"Aston Martin|Alfa Romeo|Santa Clara|Santa Monica|San Jos[ée]|Ernst & Young|Marks & Spencer|Johnson & Johnson|"
    r"Procter & Gamble|Deutsche \w+|Credit Suisse|Banco \w+|Jack Daniel|Dolce & Gabbana|Ben & Jerry|Dr\.? Pepper|"
    r"Mercado Libre|Thomson Reuters|Stanley Black|Trader Joe|Johnson Controls|Booz Allen|Clifford Chance|"
    r"Baker McKenzie|Kaiser Permanente|Mayo Clinic|Charles River|Sri Lanka|Costa Rica|Puerto Rico|El Salvador|"
    r"San Marino|Sierra Leone|Burkina Faso|Cabo Verde|Saudi Arabia|Hong Kong|Christmas Eve|New Year'?s Eve|"
    r"Eid al-\w+|Black Friday|Cyber Monday|Boxing Day|Good Friday|Easter Monday|Mardi Gras|Rosh Hashanah|"
    r"Yom Kippur|Diwali|Lunar New Year)"
)
"""Places, companies and holidays named like people (a name finding inside one of them is dropped)."""
_NUMBER_CUE = re.compile(
    r"(?:call|phone|tel|mobile|cell|number|whatsapp|text|sms|contact|reach|ring|fax|no\.?|id|account|user|profile)"
    r"\W*$",
    re.IGNORECASE,
)
"""A word that says the bare number after it is someone's (a phone, an account id), not a count."""
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_REF = re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d{4}-\d{2,}\b|\b[A-Z][A-Z0-9]{1,9}-\d+\b")
_NUMBER_RUN = re.compile(r"(?<![\w/.])(?:\+|00)?\(?\d[\d\s().\-/]{4,24}\d(?![\w/])|(?<![\w/.])\d{7,}(?![\w/])")


class Detector:
    """The recognizers, built once per process (Presidio's import costs about two seconds: only writes pay it)."""

    def __init__(self) -> None:
        # tldextract (used by Presidio's e-mail check) would try to download the public suffix list on first use;
        # its bundled snapshot is enough and no network call ever leaves Vigil for this.
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from presidio_analyzer import predefined_recognizers as presidio

        generic = [
            (presidio.EmailRecognizer(), _AT_SIGN),
            (presidio.CreditCardRecognizer(), _MANY_DIGITS),
            (presidio.IbanRecognizer(), _MANY_DIGITS),
            (presidio.IpRecognizer(), _DIGIT),
            (presidio.CryptoRecognizer(), _LONG_TOKEN),
        ]
        self._generic = [(r, r.supported_entities, needs) for r, needs in generic]
        self._national = [getattr(presidio, name)() for name in _PRESIDIO_NATIONAL_IDS]
        for recognizer in self._national:
            recognizer.analyze("", recognizer.supported_entities, None)  # compiles its patterns, for _may_match
        lexicon()  # the name lists, read now rather than by the first write
        self._remembered = lru_cache(maxsize=_REMEMBERED)(self._detect)

    def detect(self, text: str, *, today: datetime | None = None) -> list[Finding]:
        """Non-overlapping findings in ``text``, in order."""
        if not text or not text.strip():
            return []
        year = (today or datetime.now(UTC)).year
        if len(text) > _REMEMBER_UP_TO:
            return list(self._detect(text, year))
        return list(self._remembered(text, year))

    def _detect(self, text: str, this_year: int) -> tuple[Finding, ...]:
        found: list[Finding] = []
        digits = _DIGIT.search(text) is not None
        numbers = _without_dates_and_times(text) if digits else text
        for recognizer, entities, needs in self._generic:
            if needs.search(numbers):
                found += self._presidio(recognizer, text, entities)
        if digits:
            if _ID_SHAPED.search(numbers):
                for recognizer in filter(partial(_may_match, numbers), self._national):
                    found += [Finding(f.start, f.end, "national_id") for f in self._presidio(recognizer, numbers, None)]
            found += _dates_and_numbers(text, this_year)
        for category, pattern in _PATTERNS:
            if digits or category not in _NUMBERED:
                group = "pii" if "pii" in pattern.groupindex else 0
                found += (Finding(m.start(group), m.end(group), category) for m in pattern.finditer(text))
        found += find_names(text)
        found += _plain_handles(text)
        found = [f for f in found if f.category != "name" or not _organisation(text, f)]
        return tuple(merge(_trimmed(text, found)))

    @staticmethod
    def _presidio(recognizer: Any, text: str, entities: list[str] | None) -> Iterator[Finding]:
        for result in recognizer.analyze(text, entities or recognizer.supported_entities, None):
            if result.score >= _MIN_SCORE:
                yield Finding(result.start, result.end, _PRESIDIO_ENTITIES.get(result.entity_type, "national_id"))


def _organisation(text: str, name: Finding) -> bool:
    """The name is a team's, a company's or a place's: "Trust & Safety Ops", "Morgan Stanley"."""
    if _ORGANISATION.search(text, name.start, name.end):
        return True
    around = _NAMED_LIKE_PEOPLE.finditer(text, max(0, name.start - 20), name.end + 20)
    return any(match.start() < name.end and name.start < match.end() for match in around)


_BEFORE_PLATFORM = re.compile(
    rf"(?<![\w@.#-])@?(?P<handle>[A-Za-z][A-Za-z0-9]{{2,30}})(?=\s+(?:on|via)\s+(?:{_PLATFORMS})\b)", re.IGNORECASE
)


def _plain_handles(text: str) -> Iterator[Finding]:
    """An account name of letters only before its platform ("zedmoth on TikTok") when it is no word nor a listed
    name: "videos on TikTok" stays, and a name there is the name detector's."""
    for match in _BEFORE_PLATFORM.finditer(text):
        if lexicon().facts(match.group("handle")).foreign:
            yield Finding(match.start(), match.end(), "handle")


def _may_match(text: str, recognizer: Any) -> bool:
    """Whether one of a Presidio recognizer's patterns is in ``text``: asked first, because its ``analyze`` costs
    tens of microseconds even when nothing matches, and a note with a number in it is shown to some fifteen national
    id recognizers (a third of a hotline note's detection)."""
    return any(pattern.compiled_regex.search(text) for pattern in recognizer.patterns)


def _dates_and_numbers(text: str, this_year: int) -> list[Finding]:
    """Birth dates, phone numbers, and any other long number (an id, an account): masked unless it is an
    ordinary date, a time or an incident/ticket reference."""
    found: list[Finding] = []
    blanked = list(text)

    def blank(start: int, end: int) -> None:
        blanked[start:end] = " " * (end - start)

    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if _VERSION_CUE.search(text, max(0, match.start() - 80), match.start()) and not _BIRTH_CUE.search(before):
            blank(match.start(), match.end())
            continue
        cue = _BIRTH_CUE.search(before)
        if cue or _year(match.group(0), this_year) <= this_year - 12:
            found.append(Finding(match.start(), match.end(), "date_of_birth"))
        blank(match.start(), match.end())
    for match in _TIME.finditer(text):
        blank(match.start(), match.end())
    for match in _REF.finditer(text):
        blank(match.start(), match.end())
    plain = "".join(blanked)
    for match in _NUMBER_RUN.finditer(plain):
        candidate = match.group(0).rstrip(" (.-/")
        digits = sum(c.isdigit() for c in candidate)
        if digits < 7 or digits > 19:
            continue
        end = match.start() + len(candidate)
        bare = candidate.isdigit() and digits < 10  # a count ("15000000 posts"), unless introduced as a number
        if bare and not _NUMBER_CUE.search(text[max(0, match.start() - 25) : match.start()]):
            if digits >= 9:
                found.append(Finding(match.start(), end, "number"))
            continue
        if _is_phone(candidate):
            found.append(Finding(match.start(), end, "phone"))
        elif digits >= 9:
            found.append(Finding(match.start(), end, "number"))
    return found


def _without_dates_and_times(text: str) -> str:
    """``text`` with its dates and times blanked (same length): what the national-id recognizers need to read. A
    timeline entry's timestamps then cost them nothing."""
    blanked = _DATE.sub(lambda m: " " * len(m.group(0)), text)
    return _TIME.sub(lambda m: " " * len(m.group(0)), blanked)


def _year(date_text: str, this_year: int) -> int:
    match = _YEAR.search(date_text)
    if match is None:
        return this_year
    if match.group(1):
        return int(match.group(1))
    two = int(match.group(2))
    return 2000 + two if 2000 + two <= this_year else 1900 + two


@cache
def _is_phone(candidate: str) -> bool:
    number = candidate.strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    regions: Iterable[str | None] = (None,) if number.startswith("+") else PHONE_REGIONS
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return True
    return False


def _trimmed(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """Findings without trailing punctuation that patterns swallow at a sentence's end."""
    out = []
    for start, end, category in findings:
        while end > start and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        if end > start:
            out.append(Finding(start, end, category))
    return out


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """Overlapping findings become one span, named after its longest part."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            longest = last if last.end - last.start >= finding.end - finding.start else finding
            merged[-1] = Finding(last.start, max(last.end, finding.end), longest.category)
        else:
            merged.append(finding)
    return merged


_lock = threading.Lock()
_detector: Detector | None = None


def detector() -> Detector:
    """The process's detector, built on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = Detector()
    return _detector


def detect(text: str) -> list[Finding]:
    return detector().detect(text)
