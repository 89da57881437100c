"""The web dashboard and JSON API (``ktokovo serve``): :func:`create_app` builds the FastAPI application."""

from ktokovo.web._app import CSP, MAX_BODY, create_app

__all__ = ["CSP", "MAX_BODY", "create_app"]
