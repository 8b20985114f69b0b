"""Every table Vigil owns, gathered for Alembic. A module that defines tables is imported here."""

from incidents import apikey_models, models, outbox, party_models, referral_models, task_models, web_sessions
from incidents.db import Base
from incidents.paging import models as paging_models
from incidents.reviews import models as review_models
from incidents.scheduling import models as scheduling_models
from incidents.signals import models as signal_models
from incidents.tracker import models as tracker_models

metadata = Base.metadata
__all__ = [
    "apikey_models",
    "metadata",
    "models",
    "outbox",
    "paging_models",
    "party_models",
    "referral_models",
    "review_models",
    "scheduling_models",
    "signal_models",
    "task_models",
    "tracker_models",
    "web_sessions",
]
