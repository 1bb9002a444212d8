"""The project's errors, one tree, each mapped to an HTTP status and a stable code.

    VerbatimError (500, "internal_error")
    ├── ConfigError (500, "config_error")          settings that cannot work together
    ├── InvalidRequestError (422, "invalid_request") empty/over-long question, bad fields
    │   └── PayloadTooLargeError (413, "payload_too_large")
    ├── NotFoundError (404, "not_found")            unknown document or conversation
    ├── AuthError (401, "unauthorized")             missing or wrong API key
    │   └── ForbiddenError (403, "forbidden")       a user key on an admin route
    ├── RateLimitError (429, "rate_limited")        carries ``retry_after`` seconds
    ├── IndexNotReadyError (503, "index_not_ready") nothing ingested, or Chroma unreachable
    │   └── DatabaseUnavailableError (503, "database_unavailable")  PostgreSQL unreachable
    ├── BackendError (502, "backend_error")         the answer model failed or timed out
    ├── IngestError (400, "ingest_error")           a file could not be loaded
    └── DatasetError (400, "dataset_error")         a malformed eval dataset

The HTTP layer turns any of these into ``{"error": {"code": ..., "message": ...}}``; the CLI
prints the message in red and exits non-zero.  Messages never contain secrets.
"""

from __future__ import annotations


class VerbatimError(Exception):
    """Base class of every error Verbatim raises on purpose."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(VerbatimError):
    """The settings cannot work together."""

    code = "config_error"


class InvalidRequestError(VerbatimError):
    """The request is malformed: an empty or over-long question, a bad field."""

    status_code = 422
    code = "invalid_request"


class PayloadTooLargeError(InvalidRequestError):
    """The request body or an upload is over the configured limit."""

    status_code = 413
    code = "payload_too_large"


class NotFoundError(VerbatimError):
    """An unknown document or conversation."""

    status_code = 404
    code = "not_found"


class AuthError(VerbatimError):
    """A missing or wrong API key."""

    status_code = 401
    code = "unauthorized"


class ForbiddenError(AuthError):
    """A valid key without the rights for this route."""

    status_code = 403
    code = "forbidden"


class RateLimitError(VerbatimError):
    """Too many requests for one key."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IndexNotReadyError(VerbatimError):
    """Nothing has been ingested yet, or the vector store cannot be reached."""

    status_code = 503
    code = "index_not_ready"


class DatabaseUnavailableError(IndexNotReadyError):
    """The database (PostgreSQL past one machine) cannot be reached right now."""

    code = "database_unavailable"

    @classmethod
    def wrap(cls, exc: Exception) -> DatabaseUnavailableError:
        """The error to raise for a :class:`vectorstore.StorageUnavailableError`."""
        return cls(f"The database is unavailable: {exc}")


class BackendError(VerbatimError):
    """The answer backend (a chat model server) failed, timed out or answered garbage."""

    status_code = 502
    code = "backend_error"


class IngestError(VerbatimError):
    """A file could not be loaded or indexed."""

    status_code = 400
    code = "ingest_error"


class DatasetError(VerbatimError):
    """An eval dataset is malformed; the message names the file, the case and the field."""

    status_code = 400
    code = "dataset_error"
