"""The intake API (``/api/v1``): other systems declare and update incidents over JSON, with API keys."""

from web.api.app import build_api_router

__all__ = ["build_api_router"]
