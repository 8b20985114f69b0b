"""Vigil's composition root: the `vigil` command, and the assembly of the bot, the web view and the API."""
