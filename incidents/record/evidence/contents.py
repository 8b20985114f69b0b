"""What an evidence package of an incident holds, gathered in one unit of work as the exporter may see it
(:mod:`incidents.access`): the incident, its timeline and audit log as canonical JSON (RFC 8785), its actions with
their Jira keys, its clocks with their references, its reviews (the versions the exporter may read, HTML and
Markdown, rendered as Vigil renders them), the chain-of-custody log, and the record: every leaf of the incident's
log with its inclusion proof, anchored to a checkpoint signed for the export.

The export is audited (``evidence.export``) before the checkpoint is made, so the package's own leaves include its
export; the incident's row is locked meanwhile, so nothing else is added to its log while the package is read.
Without ``personal_data`` the parties' identifiers are replaced by their role tokens everywhere ("Reporter"), in
the JSON and the reviews alike, and the parties are not listed; with it they are listed (a read audited as
``party.view``), for the incident's members only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from incidents.access import Act, Audience, Who, acting, permits
from incidents.access.reading import seen_standing
from incidents.context import Ctx
from incidents.effects import audit
from incidents.errors import Forbidden, VigilError
from incidents.guards import required_text
from incidents.models import AuditEvent, Incident, Person, TimelineEntry
from incidents.parties.service import ListedParty, list_parties
from incidents.parties.tokens import PartyMasker, party_tokens
from incidents.people import display_name, people_by_key
from incidents.queries import incident_to_change
from incidents.record.canonical import canonical, plain
from incidents.record.checkpoints import Checkpoint, latest_checkpoint, make_checkpoint
from incidents.record.evidence.check import CHECKPOINT, CHECKPOINT_SIGNATURE, LEAVES, PROOFS, PUBLIC_KEY
from incidents.record.holds import MATTER_MAX
from incidents.record.merkle import inclusion_paths, leaf_hash
from incidents.record.models import RecordCheckpoint, RecordLeaf
from incidents.record.outcome import Outcome
from incidents.record.signing import Signer, public_pem
from incidents.record.subjects import BY_TABLE
from incidents.record.verify import verify
from incidents.reviews import Format, ReviewTemplates, review_document

EXPORTED = "evidence.export"
REASON = "evidence export"
"""Why the package's checkpoint was made, as its body says."""
VERIFICATION = "record/verification.txt"
CUSTODY = "chain-of-custody.txt"
PAYLOAD = "data/"


@dataclass(frozen=True)
class Package:
    ref: str
    matter: str
    exported_at: datetime
    exported_by: str
    exporter: str
    """The exporter by name."""
    personal_data: bool
    audiences: tuple[Audience, ...]
    checkpoint: Checkpoint
    key_id: str
    entries: int
    verified: Outcome
    """Vigil's own verification of the incident's record, rows included, in the export's transaction."""
    files: dict[str, bytes]
    """The payload, by path inside ``data/``."""


def export_evidence(
    ctx: Ctx,
    ref: str,
    *,
    actor: str | Who,
    matter: str,
    personal_data: bool,
    signer: Signer,
    templates: ReviewTemplates,
    anchored: bool,
) -> Package:
    """The package of ``ref`` for ``matter``, as ``actor`` may see it; audited, and anchored to a checkpoint signed
    by ``signer`` (``anchored``: posted to the record channel, as every checkpoint is when there is one)."""
    who = acting(actor)
    found = seen_standing(ctx, who, ref)
    if not (permits(who, found, Act.SEE_ENTRIES) and permits(who, found, Act.SEE_NAMES)):
        raise Forbidden(f"An evidence package holds {found.ref}'s record as written: only its members can export it.")
    matter = required_text(" ".join(matter.split()), "matter", label="The matter", limit=MATTER_MAX)
    _refuse_another_key(ctx, signer)
    ctx.lock_incident(incident_id=found.incident_id)
    parties = list_parties(ctx, found.ref, actor=who) if personal_data else None
    incident = incident_to_change(ctx, found.ref)
    audiences = tuple(a for a in Audience if permits(who, found, _REVIEW_ACTS[a]))
    audit(ctx, who.key, EXPORTED, incident, matter=matter, personal_data=personal_data, reviews=list(audiences))
    masker = None if personal_data else PartyMasker(party_tokens(incident))
    text: Callable[[Any], Any] = (lambda value: value) if masker is None else masker.data
    reviews = _reviews(ctx, found.ref, who, audiences, masked=masker is not None, templates=templates)
    timeline = _timeline(ctx, incident, sensitive=permits(who, found, Act.SEE_SENSITIVE_ENTRIES), text=text)
    keys = _people_in(ctx, incident, timeline)
    names = people_by_key(ctx, keys)
    files: dict[str, str | bytes] = {
        "incident.json": _json(_incident(incident, text)),
        "timeline.json": _json(timeline),
        "audit.json": _json(_audit_log(ctx, incident, text)),
        "actions.json": _json([_action(a, text) for a in sorted(incident.actions, key=lambda a: a.id)]),
        "clocks.json": _json([_clock(c) for c in sorted(incident.clocks, key=lambda c: c.id)]),
        "people.json": _json({key: display_name(key, names.get(key)) for key in sorted(keys)}),
        CUSTODY: _custody(ctx, incident, names),
        **reviews,
    }
    if parties is not None:
        files["parties.json"] = _json([_party(listed) for listed in parties])
    checkpoint, size, verified = _anchor(ctx, incident, signer, anchored=anchored, files=files)
    return Package(
        ref=found.ref,
        matter=matter,
        exported_at=ctx.now(),
        exported_by=who.key,
        exporter=display_name(who.key, names.get(who.key)),
        personal_data=personal_data,
        audiences=audiences,
        checkpoint=checkpoint,
        key_id=signer.key_id,
        entries=size,
        verified=verified,
        files={path: content.encode() if isinstance(content, str) else content for path, content in files.items()},
    )


_REVIEW_ACTS = {Audience.TEAM: Act.SEE_TEAM_REVIEW, Audience.LEADERSHIP: Act.SEE_LEADERSHIP_REVIEW}


def _anchor(
    ctx: Ctx, incident: Incident, signer: Signer, *, anchored: bool, files: dict[str, str | bytes]
) -> tuple[Checkpoint, int, Outcome]:
    """Sign a checkpoint over everything the export wrote, add the incident's log and its proofs under it to
    ``files``, and verify the log against its rows as they are now; the checkpoint, the log's size, the outcome."""
    ctx.session.flush()
    checkpoint = make_checkpoint(ctx, signer, REASON, anchored=anchored)
    ctx.session.flush()
    size = next((head.size for head in checkpoint.heads if head.log == incident.id), None)
    if size is None:
        raise VigilError(f"Checkpoint #{checkpoint.seq} does not fix {incident.ref}'s record; run the export again.")
    files |= _record(ctx, incident, checkpoint, size, signer)
    verified = verify(ctx.session.connection(), signer.public, logs=[incident.id])
    files[VERIFICATION] = "".join(f"{line}\n" for line in (*verified.problems, *verified.notes, verified.summary))
    return checkpoint, size, verified


def _refuse_another_key(ctx: Ctx, signer: Signer) -> None:
    """A package signed with a key other than the record's would prove nothing: the terminal must have the bot's."""
    latest = latest_checkpoint(ctx.session)
    if latest is not None and latest.key != signer.key_id:
        raise VigilError(
            f"The record signing key configured here ({signer.key_id}) is not the one the record's checkpoints are "
            f"signed with ({latest.key}): set VIGIL_RECORD_SIGNING_KEY or VIGIL_RECORD_SIGNING_KEY_FILE as the bot "
            "has it."
        )


def _json(value: Any) -> bytes:
    return canonical(plain(value))


def _timeline(ctx: Ctx, incident: Incident, *, sensitive: bool, text: Callable[[Any], Any]) -> list[dict[str, Any]]:
    query = select(
        TimelineEntry.id,
        TimelineEntry.at,
        TimelineEntry.seq,
        TimelineEntry.recorded_at,
        TimelineEntry.kind,
        TimelineEntry.author,
        TimelineEntry.text,
        TimelineEntry.data,
        TimelineEntry.sensitive,
        TimelineEntry.in_review,
        TimelineEntry.source_url,
        TimelineEntry.external_id,
    ).where(TimelineEntry.incident_id == incident.id)
    if not sensitive:
        query = query.where(TimelineEntry.sensitive.is_(False))
    rows = ctx.session.execute(query.order_by(TimelineEntry.at, TimelineEntry.seq)).mappings()
    return [{**row, "text": text(row["text"]), "data": text(row["data"] or {})} for row in rows]


def _audit_log(ctx: Ctx, incident: Incident, text: Callable[[Any], Any]) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.incident_id == incident.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).mappings()
    return [{**row, "details": text(row["details"] or {})} for row in rows]


def _incident(incident: Incident, text: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "id": incident.id,
        "ref": incident.ref,
        "title": text(incident.title),
        "summary": text(incident.summary),
        "severity": incident.severity,
        "status": incident.status,
        "tier": incident.tier,
        "types": list(incident.type_names),
        "region": incident.region,
        "jurisdictions": incident.jurisdictions,
        "declared_by": incident.declared_by,
        **{name: getattr(incident, name) for name in _TIMES},
        "roles": [
            {
                "role": r.role,
                "person": r.person,
                "assigned_by": r.assigned_by,
                "assigned_at": r.assigned_at,
                "relieved_at": r.relieved_at,
            }
            for r in sorted(incident.roles, key=lambda r: (r.assigned_at, r.id))
        ],
    }


_TIMES = ("occurred_at", "detected_at", "declared_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at")


def _action(action: Any, text: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "id": action.id,
        "title": text(action.title),
        "description": text(action.description),
        "owner": action.owner,
        "due_date": action.due_date,
        "priority": action.priority,
        "category": action.category,
        "status": action.status,
        "resolution": text(action.resolution),
        "created_by": action.created_by,
        "created_at": action.created_at,
        "finished_at": action.finished_at,
        "jira_key": action.tracker_key,
        "jira_url": action.tracker_url,
    }


def _clock(clock: Any) -> dict[str, Any]:
    """What the record's leaves commit to of a clock, so the package says of it what they do."""
    return {name: getattr(clock, name) for name in ("id", *BY_TABLE["clocks"].columns)}


def _party(listed: ListedParty) -> dict[str, Any]:
    party = listed.party
    names = ("number", "name", "handle", "account_id", "contact", "created_by", "created_at", "erased_at", "erased_by")
    return {**{name: getattr(party, name) for name in names}, "token": listed.token, "role": party.role_in_case}


def _reviews(
    ctx: Ctx, ref: str, who: Who, audiences: Iterable[Audience], *, masked: bool, templates: ReviewTemplates
) -> dict[str, str]:
    """Each version the exporter may read, in both formats, from one document per version."""
    files: dict[str, str] = {}
    for audience in audiences:
        document = review_document(ctx, ref, actor=who, audience=audience, mask_parties=masked)
        for fmt in Format:
            files[f"reviews/{audience.value}.{fmt.value}"] = templates.render(document, fmt, document.type_keys)
    return files


def _people_in(ctx: Ctx, incident: Incident, timeline: Sequence[dict[str, Any]]) -> set[str]:
    """Everyone the JSON names by key, whom ``people.json`` and the custody log name by name."""
    keys = {incident.declared_by, *(r.person for r in incident.roles), *(r.assigned_by for r in incident.roles)}
    keys |= {a.owner for a in incident.actions if a.owner} | {c.aware_by for c in incident.clocks}
    keys |= {entry["author"] for entry in timeline}
    keys |= set(ctx.session.scalars(select(AuditEvent.actor).where(AuditEvent.incident_id == incident.id)))
    return {key for key in keys if key}


def _custody(ctx: Ctx, incident: Incident, names: Mapping[str, Person]) -> str:
    """Every export of the incident, this one last, as the audit log records them."""
    exports = ctx.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.incident_id == incident.id, AuditEvent.action == EXPORTED)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    lines = [
        f"Chain of custody of {incident.ref}'s evidence packages, as Vigil's audit log records each export "
        f"({EXPORTED}). The last line is this package. Record later hand-overs of this package beside it, not in "
        "it: changing any file in it breaks its seal.",
        "",
    ]
    for event in exports:
        details = event.details or {}
        reviews = ", ".join(str(r) for r in details.get("reviews", ())) or "none"
        personal = "with" if details.get("personal_data") else "without"
        lines.append(
            f"{event.at:%Y-%m-%d %H:%M:%S} UTC: exported by {display_name(event.actor, names.get(event.actor))} "
            f"({event.actor}) for the matter {details.get('matter', '?')!r}; reviews: {reviews}; {personal} the "
            "parties' personal data."
        )
    return "\n".join(lines) + "\n"


def _record(ctx: Ctx, incident: Incident, checkpoint: Checkpoint, size: int, signer: Signer) -> dict[str, str | bytes]:
    """The incident's log up to the checkpoint, each leaf's inclusion proof, the signed checkpoint and its key."""
    bodies = ctx.session.scalars(
        select(RecordLeaf.body).where(RecordLeaf.log == incident.id, RecordLeaf.idx < size).order_by(RecordLeaf.idx)
    ).all()
    hashed = [leaf_hash(body.encode()) for body in bodies]
    root, paths = inclusion_paths(hashed)
    row = ctx.session.get(RecordCheckpoint, checkpoint.seq)
    assert row is not None  # made in this unit of work
    proofs = {
        "ref": incident.ref,
        "log": incident.id,
        "size": len(bodies),
        "root": root.hex(),
        "checkpoint": checkpoint.seq,
        "proofs": [[index, hashed[index].hex(), [p.hex() for p in path]] for index, path in enumerate(paths)],
    }
    return {
        _inside(LEAVES): "".join(f"{body}\n" for body in bodies),
        _inside(PROOFS): _json(proofs),
        _inside(CHECKPOINT): row.body,
        _inside(CHECKPOINT_SIGNATURE): row.signature + "\n",
        _inside(PUBLIC_KEY): public_pem(signer.public),
    }


def _inside(path: str) -> str:
    """A path of the package as a path inside its payload directory."""
    return path.removeprefix(PAYLOAD)
