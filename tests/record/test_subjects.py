"""The record names its tables and columns rather than importing the models (its hook sits beneath them): the names
must stay the models' own, typed as they are, or a leaf would commit to nothing and verification read nothing."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean

import incidents.schema  # noqa: F401  (every model, registered)
from incidents.db import Base, UTCDateTime
from incidents.privacy.scan import PERSONAL_TEXT
from incidents.record.log import LEAVES, LOGS
from incidents.record.subjects import SUBJECTS


def test_every_chained_column_is_a_column_of_its_model_typed_as_the_record_reads_it() -> None:
    for subject in SUBJECTS:
        columns = Base.metadata.tables[subject.table].c
        for name in subject.read:
            kind = columns[name].type
            assert isinstance(kind, UTCDateTime) == (name in subject.times), (subject.table, name)
            assert isinstance(kind, JSON) == (name in subject.documents), (subject.table, name)
            assert isinstance(kind, Boolean) == (name in subject.flags), (subject.table, name)


def test_free_text_the_models_declare_is_only_ever_committed_as_a_salted_hash() -> None:
    for mapper in Base.registry.mappers:
        subject = next((s for s in SUBJECTS if s.table == getattr(mapper.class_, "__tablename__", None)), None)
        if subject is not None:
            personal = set(getattr(mapper.class_, PERSONAL_TEXT, ()))
            assert personal <= set(subject.salted), subject.table
            assert not personal & set(subject.columns), subject.table


def test_the_record_writes_its_own_tables_by_their_models_names() -> None:
    for light in (LOGS, LEAVES):
        assert {c.name for c in light.c} <= set(Base.metadata.tables[light.name].c.keys())
