"""``python -m web.api``: rewrite the checked-in OpenAPI document (web/api/openapi.json) from the code."""

from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.policy import load_policy
from incidents.timesource import SystemTime
from web.api.openapi import CHECKED_IN, render
from web.api.routes import build_api_router

engine = make_engine("sqlite://")  # never connected: the document needs the routes, not a database
CHECKED_IN.write_text(render(build_api_router(Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime()))))
print(f"wrote {CHECKED_IN}")
