"""What the first request after a start would otherwise pay, paid at start instead.

:class:`vigil.process.Bot` calls :func:`warm` before it can take any request, so the first declare after
``vigil serve`` starts acks and provisions as fast as the hundredth. Before it (#25) the first declare acked in
~170 ms instead of ~10 ms and its channel was ready in 1.6 times the Slack critical path instead of 1.07: Presidio
compiles a recognizer's patterns on its first analysis (~150 ms), not when it is built, and the pool opened its
connections, SQLAlchemy compiled its statements and Jinja its templates on first use.

Each step does what a request's first use does, without its effects: nothing is sent to Slack, nothing is
written to the database (the card is rendered and thrown away), and the text analysed is made up here. Left to
the first declare: compiling its INSERTs (a few milliseconds), which only a write would do.
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack

from sqlalchemy import Engine, select
from sqlalchemy.pool import QueuePool

from bot.provision import current_card
from incidents.context import Domain
from incidents.models import Incident
from incidents.privacy.detector import detect
from incidents.queries import load_incident
from incidents.reviews import Format, ReviewTemplates

log = logging.getLogger(__name__)

WARM_TEXT = (
    "Reach Jane at jane.doe@example.org or 415 555 0134 (+44 20 7946 0958); card 4111 1111 1111 1111, "
    "IBAN GB82 WEST 1234 5698 7654 32; www.example.com/a, 192.168.0.1; born 12/03/1990, SSN 078-05-1120"
)
"""Something for every kind of recognizer to analyse: each Presidio recognizer compiles its patterns on its first
analysis (the national-id ones only see text with a digit), libphonenumber loads a region's metadata with its
first number there, and the e-mail and card checks load what they validate with on their first match."""

SHIPPED_PREFIX = "shipped/"
"""How an operator's review template names the shipped one it extends: the same file as the unprefixed name, which
is the one a review renders unless the operator replaces it."""


def warm(domain: Domain, templates: ReviewTemplates) -> None:
    """Build, open and compile what requests use, and log what it took."""
    started = time.monotonic()
    detect(WARM_TEXT)
    connections = _open_connections(domain.engine)
    card = "the newest incident's card rendered" if _render_newest_card(domain) else "no incident to render"
    compiled = _compile_review_templates(templates)
    log.info(
        "Warmed up in %.1f s: the personal-data detector, %d database connections, %s, %d review templates compiled",
        time.monotonic() - started,
        connections,
        card,
        compiled,
    )


def _open_connections(engine: Engine) -> int:
    """Fill the pool: the first request and the deliveries it sets off (several at once, on their own threads)
    would otherwise each wait for a new connection (on PostgreSQL a TCP handshake and authentication)."""
    wanted = engine.pool.size() if isinstance(engine.pool, QueuePool) else 1
    with ExitStack() as held:  # all at once, or the pool would hand the same one back each time
        for _ in range(wanted):
            held.enter_context(engine.connect())
    return wanted


def _render_newest_card(domain: Domain) -> bool:
    """A new incident's channel and every change to an incident load the incident and render its card, whose
    queries (its working set, reports, pages, referrals) compile on first use, the loaders of its relationships
    only once an incident is found. Rendered for the newest incident, when there is one, and thrown away."""
    with domain.unit() as ctx:
        newest = ctx.session.scalar(select(Incident.ref).order_by(Incident.id.desc()).limit(1))
        if newest is None:
            return False
        current_card(ctx, load_incident(ctx, newest))
    return True


def _compile_review_templates(templates: ReviewTemplates) -> int:
    """Jinja compiles a template to Python on its first render (~100 ms for the HTML review): each format's
    templates and the partials they include (``_*``), under the names a review renders them by."""
    compiled = 0
    for fmt in Format:
        env = templates.environment(fmt)
        for name in env.list_templates():
            if not name.startswith(SHIPPED_PREFIX) and (name.startswith("_") or name.endswith(f".{fmt.value}.j2")):
                env.get_template(name)
                compiled += 1
    return compiled
