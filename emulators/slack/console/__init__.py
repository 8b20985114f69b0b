"""The emulator's console: a person's way into the emulated workspace, in a browser or with curl.

``GET /console`` shows every channel as one of the workspace's people sees it: messages laid out as Slack lays out
their blocks (mentions as names, Slack's escaping undone, nothing in them able to become markup), the replies only
that person sees, and the modal an app opened for them as a form to fill in. A box at the top types ``/incident …``
as that person; buttons and menus send real ``block_actions``, a modal's Submit a real ``view_submission`` (its
``response_action`` errors shown beside their fields) and its Close a ``view_closed`` when the view asked for one.
``POST /console/command`` (form or JSON: ``user``, ``channel``, ``text``, optional ``command``) types a command for
curl and answers with what the app told the person. People and channels may be given by name (``maya``,
``#general``) or id, and ``@name`` in the text becomes a mention, as Slack's escaping of a slash command's text does.

:mod:`~emulators.slack.console.routes` serves it; :mod:`~emulators.slack.console.seen` gathers what a person sees;
:mod:`~emulators.slack.console.page`, :mod:`~emulators.slack.console.surfaces`,
:mod:`~emulators.slack.console.blocks`, :mod:`~emulators.slack.console.widgets` and
:mod:`~emulators.slack.console.mrkdwn` render it; :mod:`~emulators.slack.console.forms` reads a modal's form back.
"""

from emulators.slack.console.routes import Console, ConsoleError

__all__ = ["Console", "ConsoleError"]
