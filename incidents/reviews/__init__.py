"""Post-incident reviews: the review people write, the metrics the record yields, and its rendering per audience.

Entry points for adapters (the CLI, the Slack bot):

- :func:`get_or_start_review`, :func:`update_review`, :func:`submit_for_review` (through the publish gate,
  :mod:`incidents.reviews.gate`), :func:`mark_not_personal`, :func:`publish_review`
- :func:`review_document` (the audience's view model, e.g. for a Block Kit summary) and :func:`render_review`
- :func:`load_templates` once at start (reports template syntax errors with file and line)
"""

from incidents.reviews.document import Audience
from incidents.reviews.export import parse_audience, parse_format, render_review, review_document
from incidents.reviews.models import Minors, Review, ReviewStatus
from incidents.reviews.service import (
    ReviewFields,
    gate_findings,
    get_or_start_review,
    mark_not_personal,
    parse_minors,
    publish_review,
    submit_for_review,
    update_review,
)
from incidents.reviews.template_values import ReviewDocument
from incidents.reviews.templating import Format, ReviewTemplates, load_templates

__all__ = [
    "Audience",
    "Format",
    "Minors",
    "Review",
    "ReviewDocument",
    "ReviewFields",
    "ReviewStatus",
    "ReviewTemplates",
    "gate_findings",
    "get_or_start_review",
    "load_templates",
    "mark_not_personal",
    "parse_audience",
    "parse_format",
    "parse_minors",
    "publish_review",
    "render_review",
    "review_document",
    "submit_for_review",
    "update_review",
]
