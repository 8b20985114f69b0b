"""The only place that reads the environment. Settings come from ``VIGIL_*`` variables, Slack's and Jira's own
variable names, and an optional TOML file (``VIGIL_CONFIG_FILE``), validated at start.

A name Vigil does not know (``VIGIL_DATABSE_URL``, a misspelt key in the file) is not a validation error here:
:func:`unknown_settings` names each with the closest setting, and each command decides what it means for it
(``vigil serve`` refuses to start, the other commands warn), so a typo can never pass unnoticed.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from incidents.errors import ConfigError
from incidents.links import DEFAULT_WEB_PATH_PREFIX
from incidents.scheduling.config import SchedulingSettings

DEFAULT_DATABASE_URL = "sqlite:///vigil.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="forbid", populate_by_name=True)

    config_file: Path | None = Field(default=None, description="TOML file with any of these settings")
    database_url: str = DEFAULT_DATABASE_URL
    policy_file: Path | None = Field(default=None, description="operator policy pack overriding the default")
    templates_dir: Path | None = Field(default=None, description="operator templates overriding shipped ones")
    announce_channel: str | None = Field(default=None, description="channel id for incident announcements")
    leadership_channel: str | None = None
    channel_prefix: str = "inc"
    topic_interval_seconds: float = Field(
        default=3.0, ge=1, description="least time between two topic changes of one channel (Slack's Tier 2)"
    )
    timeline_emoji: str = "pushpin"
    web_base_url: str | None = None
    scheduling: SchedulingSettings = Field(default_factory=SchedulingSettings)

    oidc_issuer_url: str = Field(default="https://slack.com", description="web sign-in provider (OpenID Connect)")
    oidc_discovery_url: str | None = Field(
        default=None, description="default: <issuer>/.well-known/openid-configuration"
    )
    oidc_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("VIGIL_OIDC_CLIENT_ID", "SLACK_CLIENT_ID")
    )
    oidc_client_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("VIGIL_OIDC_CLIENT_SECRET", "SLACK_CLIENT_SECRET")
    )
    web_session_secret: str | None = Field(default=None, description="signs web session cookies; same on every replica")
    web_leadership: list[str] = Field(
        default_factory=list, description="person keys or e-mails of the leadership group"
    )
    web_path_prefix: str = Field(default=DEFAULT_WEB_PATH_PREFIX, pattern=r"^/[A-Za-z0-9_-]+$")

    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_signing_secret: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL"))

    jira_url: str | None = Field(default=None, validation_alias=AliasChoices("JIRA_URL"))
    jira_email: str | None = Field(default=None, validation_alias=AliasChoices("JIRA_EMAIL"))
    jira_api_token: str | None = Field(default=None, validation_alias=AliasChoices("JIRA_API_TOKEN"))
    jira_token: str | None = Field(default=None, validation_alias=AliasChoices("JIRA_TOKEN"))
    jira_project: str | None = None
    jira_webhook_secret: str | None = None
    jira_issue_type: str = "Task"
    jira_label_prefix: str = Field(default="vigil", pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    jira_restricted_content: str = Field(default="minimal", pattern=r"^(minimal|full)$")
    jira_timeout: float = Field(default=10.0, gt=0)
    jira_reconcile_seconds: float = Field(
        default=300.0, ge=30, description="how often the scheduler asks Jira what changed (catches missed webhooks)"
    )

    triage_channel: str | None = Field(default=None, description="channel id where signal groups wait for triage")
    pagerduty_events_url: str = Field(
        default="https://events.pagerduty.com/v2/enqueue", description="PagerDuty's Events API v2 (pages)"
    )
    pagerduty_routing_key: str | None = Field(
        default=None, description="integration key of the policy's `default` paging service (a secret)"
    )
    pagerduty_routing_keys: dict[str, str] = Field(
        default_factory=dict, description='integration keys of the other paging services, JSON: {"service": "key"}'
    )
    pagerduty_api_url: str = Field(default="https://api.pagerduty.com", description="PagerDuty's REST API (on call)")
    pagerduty_api_token: str | None = Field(default=None, description="REST API token: who is on call, paging a person")
    pagerduty_from_email: str | None = Field(
        default=None, description="the PagerDuty user a person's page is opened as (default: whoever asks for it)"
    )
    pagerduty_webhook_secret: str | None = Field(
        default=None, description="signs PagerDuty's v3 webhooks (acknowledgements)"
    )
    jsm_api_url: str = Field(
        default="https://api.atlassian.com",
        description="Jira Service Management's API; alerts go to /jsm/ops/integration/v2/alerts under it",
    )
    jsm_api_key: str | None = Field(
        default=None, description="API integration key of the policy's `default` service when its provider is jsm"
    )
    jsm_api_keys: dict[str, str] = Field(
        default_factory=dict, description='API integration keys of the other jsm services, JSON: {"service": "key"}'
    )
    jsm_webhook_secret: str | None = Field(
        default=None, description="the secret JSM's outgoing webhook sends in X-Vigil-Webhook-Secret (acknowledgements)"
    )

    record_signing_key: str | None = Field(
        default=None, description="Ed25519 key that signs the record's checkpoints: base64 of its 32 bytes, or PEM"
    )
    record_signing_key_file: Path | None = Field(
        default=None, description="the same key in a PEM file (`openssl genpkey -algorithm ed25519`)"
    )
    record_channel: str | None = Field(
        default=None, description="channel id where every checkpoint's hash is posted, outside the database"
    )

    log_format: str = Field(default="text", pattern=r"^(text|json)$", description="`json`: one object a line")
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Socket Mode: serve /metrics, /healthz, /readyz on this port"
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value.removeprefix(plain)
        if not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("use sqlite:///path/to/vigil.db or postgresql://user:password@host:5432/dbname")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file_from(init_settings, env_settings)
        if config_file is not None:
            sources.append(_ConfigFile(settings_cls, toml_file=config_file))
        return tuple(sources)


class _ConfigFile(TomlConfigSettingsSource):
    """The TOML file, without the keys no setting has (:func:`unknown_settings` names those)."""

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        return {key: value for key, value in read_config_file(Path(file_path)).items() if key in _FILE_KEYS}


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's keys and values; a file that cannot be read or is not TOML is one :class:`ConfigError`."""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path} ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file {path} is not valid TOML ({exc})") from None


def _config_file_from(*sources: PydanticBaseSettingsSource) -> Path | None:
    for source in sources:
        value = source().get("config_file")
        if value:
            path = Path(value)
            if not path.is_file():
                raise ConfigError(f"config file {path} does not exist")
            return path
    return None


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; any problem becomes one readable :class:`ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_variable(err['loc'])}: {err['msg'].removeprefix('Value error, ')}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None
    except SettingsError as exc:  # a variable meant to hold JSON (VIGIL_SCHEDULING, VIGIL_WEB_LEADERSHIP...)
        field = re.search(r'field "(\w+)"', str(exc))
        where = _variable((field.group(1),)) if field else "a setting"
        raise ConfigError(f"invalid configuration: {where}: not valid JSON ({exc.__cause__ or exc})") from None


def _variable(location: tuple[int | str, ...]) -> str:
    """The environment variable (or, inside a section, the dotted TOML key) a validation problem is about."""
    path = [str(part) for part in location]
    if path and path[0] in Settings.model_fields:
        path[0] = f"VIGIL_{path[0].upper()}"
    return ".".join(path) or "settings"


def _names_read(field_name: str) -> tuple[str, ...]:
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    return (f"VIGIL_{field_name.upper()}",)


ENVIRONMENT_VARIABLES: frozenset[str] = frozenset(
    name for field in Settings.model_fields for name in _names_read(field)
)
"""Every environment variable Vigil reads a setting from."""
_FILE_KEYS = frozenset(Settings.model_fields) | frozenset(
    name for field in Settings.model_fields for name in _names_read(field) if not name.startswith("VIGIL_")
)
"""The config file's keys: the settings' names (``database_url``), or Slack's and Jira's own (``SLACK_BOT_TOKEN``)."""
NOT_SETTINGS = frozenset({"VIGIL_TEST_PG", "VIGIL_REGEN_GOLDEN", "VIGIL_BENCH_PG", "VIGIL_BENCH_URL"})
"""``VIGIL_*`` variables of Vigil's own tests and benchmarks: a running Vigil never reads them, nor minds them."""


def unknown_settings(environ: Mapping[str, str] | None = None) -> str | None:
    """Every ``VIGIL_*`` variable, and every key of the config file, that no setting has, each with the closest
    known one, in one sentence; None when there is none. (A missing or broken config file is
    :func:`load_settings`'s to report.)"""
    environ = os.environ if environ is None else environ
    problems = [
        _unknown(name, ENVIRONMENT_VARIABLES)
        for name in sorted(environ)
        if name.upper().startswith("VIGIL_") and name.upper() not in ENVIRONMENT_VARIABLES | NOT_SETTINGS
    ]
    config_file = next((value for name, value in environ.items() if name.upper() == "VIGIL_CONFIG_FILE"), None)
    if config_file and Path(config_file).is_file():
        try:
            keys = read_config_file(Path(config_file))
        except ConfigError:
            keys = {}
        problems += [_unknown(key, _FILE_KEYS, where=f" in {config_file}") for key in keys if key not in _FILE_KEYS]
    return "; ".join(problems) or None


def _unknown(name: str, known: frozenset[str], *, where: str = "") -> str:
    """``name`` is not a setting, and the closest that is (likeness judged without the ``VIGIL_`` every one of
    them shares, which would make any two look alike)."""
    bare = {candidate.removeprefix("VIGIL_").lower(): candidate for candidate in known}
    closest = difflib.get_close_matches(name.upper().removeprefix("VIGIL_").lower(), bare, n=1)
    hint = f"did you mean {bare[closest[0]]}?" if closest else "the README's Configuration lists them"
    return f"{name}{where} is not a setting ({hint})"


def database_notice(settings: Settings, location: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Which database is used, as a sentence, when the environment does not name it (``location``: the database
    as a message shows it): the default, or the config file's. None when ``VIGIL_DATABASE_URL`` names it, or the
    caller gave it: then nobody needs telling."""
    environ = os.environ if environ is None else environ
    if "database_url" not in settings.model_fields_set:
        return f"using the default database {location} (set VIGIL_DATABASE_URL to choose)"
    named_here = "VIGIL_DATABASE_URL" in {name.upper() for name in environ}
    if named_here or settings.config_file is None or "database_url" not in read_config_file(settings.config_file):
        return None
    return f"using the database {location} named in {settings.config_file} (VIGIL_DATABASE_URL is not set)"
