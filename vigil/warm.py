"""What the first request after a start would otherwise pay, paid at start instead.

:class:`vigil.process.Bot` calls :func:`warm` before it can take any request, so the first declare after
``vigil serve`` starts acks and provisions as fast as the hundredth. Before it (#25) the first declare acked in
~170 ms instead of ~10 ms and its channel was ready in 1.6 times the Slack critical path instead of 1.07: Presidio
compiles a recognizer's patterns on its first analysis (~150 ms), not when it is built, and the pool opened its
connections, SQLAlchemy compiled its statements and Jinja its templates on first use. What was left after that
(the first ack at ~60 ms): a declare's statements, and those delivering it runs before it calls Slack, compile
only when they run, and each connection pays again for a statement's first use. So a declare is rehearsed on every
connection of the pool: run in full, with what delivering it reads, in a transaction that is rolled back.

Each step does what a request's first use does, without its effects: nothing is sent to Slack (no step is given
a Slack client), nothing written stays in the database (the rehearsal's rows, its record leaves, its outbox rows
and its bump of the year's reference counter roll back; on PostgreSQL its sequences keep the ids it took, as after
any rollback), and the text analysed is made up here. Each rehearsal holds the year's reference counter for its
few milliseconds: a declare on another replica at that moment waits for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

from sqlalchemy import Connection, select
from sqlalchemy.pool import QueuePool

from bot.provision import current_card, read_head, read_plan
from incidents import lifecycle
from incidents.context import Domain, nothing
from incidents.db import make_sessionmaker
from incidents.enums import Severity, Tier
from incidents.models import Incident
from incidents.outbox import OutboxMessage, Topic
from incidents.privacy.detector import detect
from incidents.provisioning import slack_hears_of
from incidents.queries import incident_to_change
from incidents.reviews import Format, ReviewTemplates
from incidents.settings import Settings

log = logging.getLogger(__name__)

WARM_TEXT = (
    "Reach Jane at jane.doe@example.org or 415 555 0134 (+44 20 7946 0958); card 4111 1111 1111 1111, "
    "IBAN GB82 WEST 1234 5698 7654 32; www.example.com/a, 192.168.0.1; born 12/03/1990, SSN 078-05-1120"
)
"""Something for every kind of recognizer to analyse: each Presidio recognizer compiles its patterns on its first
analysis (the national-id ones only see text with a digit), libphonenumber loads a region's metadata with its
first number there, and the e-mail and card checks load what they validate with on their first match."""

REHEARSAL_ACTOR, REHEARSAL_CHANNEL = "U0WARMUP", "C0WARMUP"
"""Who declares the rehearsed incident, and the channel its announcement links to: made up, like its title."""

SHIPPED_PREFIX = "shipped/"
"""How an operator's review template names the shipped one it extends: the same file as the unprefixed name, which
is the one a review renders unless the operator replaces it."""


def warm(domain: Domain, templates: ReviewTemplates, settings: Settings) -> None:
    """Build, open and compile what requests use, and log what it took."""
    started = time.monotonic()
    detect(WARM_TEXT)
    connections = _rehearse_on_every_connection(domain, settings)
    card = "the newest incident's card rendered" if _render_newest_card(domain) else "no incident to render"
    compiled = _compile_review_templates(templates)
    log.info(
        "Warmed up in %.1f s: the personal-data detector, a declare rehearsed and rolled back on each of %d "
        "database connections, %s, %d review templates compiled",
        time.monotonic() - started,
        connections,
        card,
        compiled,
    )


def _rehearse_on_every_connection(domain: Domain, settings: Settings) -> int:
    """Fill the pool and rehearse a declare on each of its connections. The first request and the deliveries it
    sets off (several at once, on their own threads) would otherwise each wait for a new connection (on PostgreSQL
    a TCP handshake and authentication), and pay again for each statement on its first use on a connection: a
    PostgreSQL backend reads the catalogs of the tables it touches, SQLite prepares the statement."""
    wanted = domain.engine.pool.size() if isinstance(domain.engine.pool, QueuePool) else 1
    with ExitStack() as held:  # all at once, or the pool would hand the same one back each time
        for connection in [held.enter_context(domain.engine.connect()) for _ in range(wanted)]:
            _rehearse_declare(domain, settings, connection)
    return wanted


@contextmanager
def _rehearsal(domain: Domain, connection: Connection) -> Iterator[Domain]:
    """``domain`` with every unit of work inside one transaction on ``connection``, rolled back at the end
    whatever they did."""
    everything = connection.begin()
    try:
        yield replace(domain, factory=make_sessionmaker(connection), poke=nothing)
    finally:
        everything.rollback()


def _rehearse_declare(domain: Domain, settings: Settings, connection: Connection) -> None:
    """Declare an incident of every standard type (their clocks and playbooks too), then read what delivering its
    channel reads before it calls Slack and render its card and announcement, as a fresh unit does: from the
    database, not from what the declare left in the session."""
    types = [name for name, kind in domain.policy.types.items() if kind.min_tier is Tier.STANDARD]
    with _rehearsal(domain, connection) as rehearsal, rehearsal.unit() as ctx:
        incident = lifecycle.declare(
            ctx,
            actor=REHEARSAL_ACTOR,
            title="Warming up",
            types=types or list(domain.policy.types),
            severity=Severity.SEV2,
        )
        queued = ctx.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.incident_id == incident.id, OutboxMessage.topic == Topic.INCIDENT_DECLARED
            )
        ).one()
        ctx.session.expunge_all()
        slack_hears_of(ctx, queued.incident_id)
        read_head(ctx, settings, queued)
        read_plan(ctx, queued).announcement(REHEARSAL_CHANNEL)


def _render_newest_card(domain: Domain) -> bool:
    """A new incident's channel and every change to an incident load the incident and render its card, whose
    queries (its working set, reports, pages, referrals) compile on first use, the loaders of its relationships
    only once an incident is found. Rendered for the newest incident, when there is one, and thrown away."""
    with domain.unit() as ctx:
        newest = ctx.session.scalar(select(Incident.ref).order_by(Incident.id.desc()).limit(1))
        if newest is None:
            return False
        current_card(ctx, incident_to_change(ctx, newest))
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
