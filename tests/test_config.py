from pathlib import Path

import pytest

from incidents.errors import ConfigError
from incidents.policy import load_policy
from incidents.settings import database_notice, load_settings, unknown_settings


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


def test_unknown_names_are_each_told_with_the_closest_setting(tmp_path: Path) -> None:
    """A typo is never a silent default: each unknown name, in the environment or the file, is named with the
    setting it was probably meant to be (the commands decide whether to refuse or warn)."""
    config = tmp_path / "vigil.toml"
    config.write_text('chanel_prefix = "typo"\nSLACK_BOT_TOKEN = "xoxb-1"\n')
    environ = {
        "VIGIL_CONFIG_FILE": str(config),
        "VIGIL_DATABSE_URL": "sqlite:///elsewhere.db",
        "VIGIL_SLACK_APP_TOKEN": "xapp-1",
        "VIGIL_FROBNICATE": "1",
        "VIGIL_TEST_PG": "postgresql://postgres@db/postgres",  # the tests' own: not a mistake
        "HOME": "/root",
    }
    assert unknown_settings(environ) == (
        "VIGIL_DATABSE_URL is not a setting (did you mean VIGIL_DATABASE_URL?); "
        "VIGIL_FROBNICATE is not a setting (the README's Configuration lists them); "
        "VIGIL_SLACK_APP_TOKEN is not a setting (did you mean SLACK_APP_TOKEN?); "
        f"chanel_prefix in {config} is not a setting (did you mean channel_prefix?)"
    )
    assert unknown_settings({"VIGIL_DATABASE_URL": "sqlite:///x.db", "SLACK_BOT_TOKEN": "xoxb-1"}) is None


def test_an_unknown_key_in_the_config_file_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "vigil.toml"
    config.write_text('chanel_prefix = "typo"\nchannel_prefix = "case"\n')
    monkeypatch.setenv("VIGIL_CONFIG_FILE", str(config))
    assert load_settings().channel_prefix == "case"


@pytest.mark.parametrize(
    ("file", "env", "words"),
    [
        ("channel_prefix = \n", {}, "is not valid TOML (Invalid value (at line 1, column 18))"),
        ("", {"VIGIL_SCHEDULING": "reminders off"}, "VIGIL_SCHEDULING: not valid JSON (Expecting value"),
        ("", {"VIGIL_WEB_LEADERSHIP": "a@example.org,b@example.org"}, "VIGIL_WEB_LEADERSHIP: not valid JSON"),
    ],
)
def test_unreadable_values_are_one_readable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, env: dict[str, str], words: str
) -> None:
    config = tmp_path / "vigil.toml"
    config.write_text(file)
    monkeypatch.setenv("VIGIL_CONFIG_FILE", str(config))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert words in refused.value.message and "\n" not in refused.value.message


def test_which_database_is_said_unless_the_environment_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("VIGIL_DATABASE_URL", "VIGIL_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "vigil.toml"
    config.write_text('database_url = "sqlite:///from-file.db"\n')
    default = load_settings()
    assert database_notice(default, "./vigil.db", {}) == (
        "using the default database ./vigil.db (set VIGIL_DATABASE_URL to choose)"
    )
    from_file = load_settings(config_file=config)
    assert database_notice(from_file, "from-file.db", {"VIGIL_CONFIG_FILE": str(config)}) == (
        f"using the database from-file.db named in {config} (VIGIL_DATABASE_URL is not set)"
    )
    named = {"VIGIL_DATABASE_URL": "sqlite:///named.db"}
    assert database_notice(load_settings(database_url="sqlite:///named.db"), "named.db", named) is None
