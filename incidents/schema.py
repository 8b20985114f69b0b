"""Every table Vigil owns, gathered for Alembic. A module that defines tables is imported here."""

from incidents import models, outbox
from incidents.db import Base
from incidents.reviews import models as review_models

metadata = Base.metadata
__all__ = ["metadata", "models", "outbox", "review_models"]
