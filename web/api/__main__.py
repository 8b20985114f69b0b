"""``python -m web.api``: rewrite the checked-in OpenAPI document (web/api/openapi.json) from the code."""

from web.api.openapi import CHECKED_IN, render
from web.api.routes import router

CHECKED_IN.write_text(render(router))
print(f"wrote {CHECKED_IN}")
