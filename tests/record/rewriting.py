"""An attacker who holds the database and the signing key: changes a row, then rewrites its leaf, every later leaf
of its log, the log's head and every checkpoint, re-signed, so that the database agrees with itself again."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select, text, update

from incidents.record.canonical import canonical, salted_digest
from incidents.record.checkpoints import checkpoint_hash, root_of_bodies
from incidents.record.merkle import leaf_hash
from incidents.record.models import RecordCheckpoint, RecordLeaf, RecordLog
from incidents.record.signing import Signer


def rewrite_consistently(engine: Engine, signer: Signer, table: str, row_id: int, field: str, value: str) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {field} = :value WHERE id = :id"), {"value": value, "id": row_id})
        leaves = connection.execute(select(RecordLeaf).order_by(RecordLeaf.log, RecordLeaf.idx)).all()
        target = max(
            (leaf for leaf in leaves if (json.loads(leaf.body)["t"], json.loads(leaf.body)["id"]) == (table, row_id)),
            key=lambda leaf: leaf.idx,
        )
        previous = ""
        bodies: list[str] = []
        for leaf in (leaf for leaf in leaves if leaf.log == target.log):
            body = json.loads(leaf.body)
            if leaf.idx == target.idx:
                body["row"][field] = {"sha256": salted_digest(leaf.salts[field], value)}
            if leaf.idx >= target.idx:
                body["prev"] = previous
            rewritten = canonical(body).decode()
            connection.execute(
                update(RecordLeaf).where(RecordLeaf.log == leaf.log, RecordLeaf.idx == leaf.idx).values(body=rewritten)
            )
            bodies.append(rewritten)
            previous = leaf_hash(rewritten.encode()).hex()
        connection.execute(update(RecordLog).where(RecordLog.log == target.log).values(head=previous))
        earlier = ""
        for row in connection.execute(select(RecordCheckpoint).order_by(RecordCheckpoint.seq)).all():
            body = json.loads(row.body)
            body["previous"] = earlier
            body["heads"] = [
                [log, size, root_of_bodies(bodies[:size]).hex() if log == target.log else root]
                for log, size, root in body["heads"]
            ]
            signed = canonical(body)
            connection.execute(
                update(RecordCheckpoint)
                .where(RecordCheckpoint.seq == row.seq)
                .values(body=signed.decode(), signature=signer.sign(signed))
            )
            earlier = checkpoint_hash(signed.decode())
