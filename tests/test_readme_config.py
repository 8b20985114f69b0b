"""The README's configuration table lists exactly the variables Vigil reads: a setting no one can find, or a
documented variable that Vigil ignores, fails here."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from incidents.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
VARIABLE = re.compile(r"`((?:VIGIL|SLACK|JIRA)_[A-Z0-9_]+)`")


def documented() -> set[str]:
    """The variables named in the first column of the table under "## Configuration"."""
    section = README.read_text().split("\n## Configuration\n", 1)[1].split("\n#", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in VARIABLE.findall(row)}


def read_by_vigil() -> set[str]:
    """Every environment variable :class:`Settings` reads: its aliases, or the prefixed field name."""
    prefix = Settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def test_the_configuration_table_lists_every_setting_and_nothing_else() -> None:
    table, settings = documented(), read_by_vigil()
    assert not settings - table, f"settings missing from the README's configuration table: {settings - table}"
    assert not table - settings, f"the README's configuration table names unknown variables: {table - settings}"
