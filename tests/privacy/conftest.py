"""The fuzz drives Vigil through the API's and the bot's own fixtures."""

from tests.api.conftest import make_key
from tests.bot.conftest import bot, emu, live_domain, people

__all__ = ["bot", "emu", "live_domain", "make_key", "people"]
