from pathlib import Path

import pytest

from incidents.errors import ConfigError
from incidents.policy import load_policy
from incidents.settings import load_settings


def test_operator_policy_replaces_sections(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("regions: [AMER, EMEA]\n")
    policy = load_policy(path)
    assert policy.regions == ["AMER", "EMEA"]
    assert "child_safety" in policy.types


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("regions: [", "not valid YAML"),
        ("- a list", "mapping of sections"),
        ("types:\n  x: {label: X, clocks: [nope]}\n", "types.x.clocks: unknown clock 'nope'"),
        ("types:\n  x: {label: X, requires_roles: [wizard]}\n", "types.x.requires_roles: unknown role 'wizard'"),
        ("severities:\n  SEV0: {label: a, description: b}\n", "missing SEV1"),
        ("roles: [scribe]\n", "'commander' is required"),
        ("types:\n  x: {label: X, min_tier: secret}\n", "types.x.min_tier"),
        (
            "clocks:\n  c: {name: c, jurisdiction: EU, deadline: {kind: hours}, owner_role: legal, "
            "source_url: 'https://x', last_verified: 2026-01-01}\n",
            "clocks.c.deadline.hours.hours",
        ),
        (
            "clocks:\n  c: {name: c, jurisdiction: EU, deadline: {kind: hours, hours: 2}, owner_role: legal, "
            "source_url: 'https://x', last_verified: 2026-01-01, timezone: Mars/Olympus}\n",
            "unknown time zone",
        ),
        (
            "severity_guidance:\n  harm: {life: Life}\n  imminence: {now: Now, days: Days}\n"
            "  matrix: {life: {now: SEV1}}\n  source: x\n  last_verified: 2026-12-03\n",
            "severity_guidance: Value error, matrix.life: no severity for imminence 'days'",
        ),
        (
            "severity_guidance:\n  harm: {life: Life}\n  imminence: {now: Now}\n"
            "  matrix: {life: {now: SEV9}}\n  source: x\n  last_verified: 2026-12-03\n",
            "severity_guidance.matrix.life.now",
        ),
    ],
)
def test_bad_policy_files_name_the_file_and_field(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert str(path) in refused.value.message or "does not exist" in refused.value.message
    assert words in refused.value.message


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_policy(tmp_path / "nope.yaml")


def test_settings_from_env_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "vigil.toml"
    config.write_text('channel_prefix = "case"\ndatabase_url = "postgresql://postgres@db/vigil"\n')
    monkeypatch.setenv("VIGIL_CONFIG_FILE", str(config))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    settings = load_settings()
    assert settings.channel_prefix == "case"
    assert settings.database_url == "postgresql+psycopg://postgres@db/vigil"
    assert settings.slack_bot_token == "xoxb-1"
    monkeypatch.setenv("VIGIL_CHANNEL_PREFIX", "env-wins")
    assert load_settings().channel_prefix == "env-wins"


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"VIGIL_DATABASE_URL": "mysql://x"}, "VIGIL_DATABASE_URL: use sqlite"),
        ({"VIGIL_CONFIG_FILE": "/nonexistent/vigil.toml"}, "does not exist"),
        ({"VIGIL_TOPIC_INTERVAL_SECONDS": "0.2"}, "VIGIL_TOPIC_INTERVAL_SECONDS: .*1"),
        ({"VIGIL_JIRA_RECONCILE_SECONDS": "5"}, "VIGIL_JIRA_RECONCILE_SECONDS: .*30"),
    ],
)
def test_bad_settings_are_one_readable_error(monkeypatch: pytest.MonkeyPatch, env: dict, words: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=words):
        load_settings()


def test_unknown_key_in_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "vigil.toml"
    config.write_text('chanel_prefix = "typo"\n')
    monkeypatch.setenv("VIGIL_CONFIG_FILE", str(config))
    with pytest.raises(ConfigError, match="chanel_prefix"):
        load_settings()
