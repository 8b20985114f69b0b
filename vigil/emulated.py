"""Settings for the runs against the bundled Slack emulator (``vigil demo``, ``vigil try``, the benches).

They come from the arguments alone, never from the environment or a config file: a person who tries Vigil in
the shell they use for the real workspace must not have the demo file Jira issues in their real project, or
reach their real workspace with the emulator's data.
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from emulators.slack import SlackEmulator
from incidents.settings import Settings


class _GivenOnly(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def emulated_settings(emu: SlackEmulator, database_url: str, **extra: Any) -> Settings:
    """Vigil pointed at ``emu`` and ``database_url``, plus ``extra`` settings, and nothing else."""
    return _GivenOnly(
        database_url=database_url,
        slack_bot_token=emu.bot_token,
        slack_signing_secret=emu.signing_secret,
        slack_api_url=emu.web_api_url,
        **extra,
    )
