"""Operations and the web page: ``/healthz``, ``/readyz``, ``/metrics`` and ``/``.

None of these need an API key: probes and scrapes come from the platform, and the page itself
asks for a key when the API wants one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from qa.api.deps import StateDep, get_components
from qa.api.schemas import ReadyResponse, error_responses
from qa.errors import IndexNotReadyError, VerbatimError
from qa.metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["operations"])

INDEX_HTML = Path(__file__).parent / "static" / "index.html"


@router.get("/healthz", summary="Liveness: the process is up")
def healthz() -> dict[str, str]:
    """Always 200 while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses={503: error_responses()[503]},
    summary="Readiness: index loaded and Chroma reachable",
)
def readyz(state: StateDep) -> dict[str, Any]:
    """200 when chunks are indexed and Chroma answers, else 503 with the reason."""
    try:
        facts = get_components(state).ready()
    except IndexNotReadyError:
        raise  # keeps its code (database_unavailable when PostgreSQL is down)
    except VerbatimError as exc:
        raise IndexNotReadyError(exc.message) from exc
    if not facts["chroma"]:
        raise IndexNotReadyError("Chroma is unreachable.")
    if not facts["ready"]:
        raise IndexNotReadyError("Nothing has been ingested yet: run `verbatim ingest` first.")
    return facts


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(state: StateDep) -> Response:
    """The app's counters and histograms in the Prometheus text format."""
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The web chat page."""
    return FileResponse(INDEX_HTML, media_type="text/html")
