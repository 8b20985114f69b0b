"""Every table Vigil owns, gathered for Alembic. A module that defines tables is imported here."""

from incidents import models, outbox, web_sessions
from incidents.apikeys import models as apikey_models
from incidents.db import Base
from incidents.paging import models as paging_models
from incidents.parties import models as party_models
from incidents.record import models as record_models
from incidents.referrals import models as referral_models
from incidents.reviews import models as review_models
from incidents.scheduling import models as scheduling_models
from incidents.signals import models as signal_models
from incidents.tasks import models as task_models
from incidents.tracker import models as tracker_models

metadata = Base.metadata
__all__ = [
    "apikey_models",
    "metadata",
    "models",
    "outbox",
    "paging_models",
    "party_models",
    "record_models",
    "referral_models",
    "review_models",
    "scheduling_models",
    "signal_models",
    "task_models",
    "tracker_models",
    "web_sessions",
]
