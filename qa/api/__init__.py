"""The HTTP API and the web chat page (``create_app``)."""

from qa.api.app import create_app

__all__ = ["create_app"]
