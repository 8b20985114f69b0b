"""What the web pages need from the settings, checked once at start so a missing secret is a clear message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from incidents.errors import ConfigError
from incidents.settings import Settings

SLACK_ISSUER = "https://slack.com"
DISCOVERY_PATH = "/.well-known/openid-configuration"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class WebConfig:
    issuer: str
    """The OpenID Connect issuer: ``https://slack.com`` for Sign in with Slack, or Okta's, Google's, Entra ID's."""
    discovery_url: str
    client_id: str
    client_secret: str
    session_secret: str
    leadership: tuple[str, ...]
    prefix: str = "/web"
    base_url: str | None = None
    """The public URL of the app (``VIGIL_WEB_BASE_URL``), for the sign-in callback behind a proxy."""
    templates_dir: Path | None = None

    @property
    def secure_cookies(self) -> bool:
        """Cookies are ``Secure`` whenever the public URL is https (always, in production)."""
        return bool(self.base_url and self.base_url.startswith("https://"))

    @property
    def issuer_is_slack(self) -> bool:
        return self.issuer.rstrip("/") == SLACK_ISSUER

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        missing = [
            name
            for name, value in (
                ("VIGIL_OIDC_CLIENT_ID (or SLACK_CLIENT_ID)", settings.oidc_client_id),
                ("VIGIL_OIDC_CLIENT_SECRET (or SLACK_CLIENT_SECRET)", settings.oidc_client_secret),
                ("VIGIL_WEB_SESSION_SECRET", settings.web_session_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"the web view needs {', '.join(missing)}")
        assert settings.oidc_client_id and settings.oidc_client_secret and settings.web_session_secret
        if len(settings.web_session_secret) < MIN_SECRET_LENGTH:
            raise ConfigError(f"VIGIL_WEB_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        issuer = settings.oidc_issuer_url.rstrip("/")
        return cls(
            issuer=issuer,
            discovery_url=settings.oidc_discovery_url or issuer + DISCOVERY_PATH,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            session_secret=settings.web_session_secret,
            leadership=tuple(settings.web_leadership),
            prefix=settings.web_path_prefix,
            base_url=settings.web_base_url.rstrip("/") if settings.web_base_url else None,
            templates_dir=settings.templates_dir,
        )
