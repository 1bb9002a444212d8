"""Documents and ingest: list and read stored documents, upload files or rescan the corpus.

Documents are served only from the source store, never read from disk by name, so no id can
reach outside the index.  Ingest runs in the thread pool under a lock (a second ingest waits
for the first) and a failed file never replaces what the index already holds.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ingest.loaders import SUPPORTED_SUFFIXES
from qa.api.deps import ApiState, ComponentsDep, StateDep, authorize, require_admin
from qa.api.schemas import (
    DocumentDetail,
    DocumentList,
    IngestRequest,
    IngestResponse,
    error_responses,
)
from qa.components import Components
from qa.errors import InvalidRequestError, NotFoundError, PayloadTooLargeError

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[Depends(authorize)])

MAX_FILES = 100
COPY_CHUNK = 1 << 20
UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class IngestRejectedError(InvalidRequestError):
    """Some files could not be ingested; ``details`` lists them (the rest were ingested)."""

    code = "ingest_failed"

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.details = details


@dataclass
class StagedUpload:
    """An upload written into the uploads folder, with what the file held before."""

    path: Path
    previous: bytes | None


def public_document(data: dict[str, Any]) -> dict[str, Any]:
    """A document dict without the server-side file path."""
    return {k: v for k, v in data.items() if k != "path"}


def is_plausible_id(doc_id: str) -> bool:
    """Document ids are relative POSIX paths: no absolute paths, ``..``, backslashes or NULs."""
    if not doc_id or doc_id.startswith(("/", "~")) or "\\" in doc_id or "\x00" in doc_id:
        return False
    if re.match(r"^[A-Za-z]:", doc_id):
        return False
    return ".." not in PurePosixPath(doc_id).parts


@router.get("/documents", response_model=DocumentList, responses=error_responses())
def list_documents(parts: ComponentsDep) -> dict[str, Any]:
    """Every stored document (id, title, size, chunk and gap counts)."""
    return {"documents": [public_document(d) for d in parts.sources.list_documents()]}


@router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentDetail,
    responses=error_responses(404),
)
def get_document(doc_id: str, parts: ComponentsDep) -> dict[str, Any]:
    """A stored document: the text citations point into, sections, excluded spans, gaps."""
    if not is_plausible_id(doc_id):
        raise NotFoundError("Unknown document.")
    document = parts.sources.get_document(doc_id)
    if document is None:
        raise NotFoundError(f"Unknown document {doc_id[:200]!r}.")
    return public_document(document.to_dict(with_text=True))


INGEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["files"],
                }
            },
            "application/json": {"schema": IngestRequest.model_json_schema()},
        },
    }
}


@router.post(
    "/ingest",
    response_model=IngestResponse,
    dependencies=[Depends(require_admin)],
    responses=error_responses(403, 404),
    openapi_extra=INGEST_BODY,
    summary="Upload files to ingest (multipart), or rescan the corpus folder (JSON)",
)
async def ingest(request: Request, state: StateDep, parts: ComponentsDep) -> dict[str, Any]:
    """Ingest uploaded files, or ``{"rescan": true}`` to re-ingest the corpus folder."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        uploads = await _uploads(request)
        return await run_in_threadpool(_ingest_uploads, state, parts, uploads)
    if content_type.startswith("application/json"):
        body = _ingest_request(await request.body())
        corpus = Path(state.settings.corpus_dir)
        if not corpus.is_dir():
            raise NotFoundError("The configured corpus folder does not exist.")
        return await run_in_threadpool(_rescan, state, parts, corpus, body.prune)
    raise InvalidRequestError(
        'Send files as multipart/form-data (field "files") or JSON {"rescan": true}.'
    )


def _ingest_request(raw: bytes) -> IngestRequest:
    try:
        return IngestRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_input=False)]
        ) from None


async def _uploads(request: Request) -> list[UploadFile]:
    form = await request.form(max_files=MAX_FILES, max_fields=10)
    uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not uploads:
        raise InvalidRequestError('files: no file uploaded (use the multipart field "files").')
    return uploads


def safe_name(name: str | None) -> str:
    """A file name safe to create in the uploads folder: no folders, no odd characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = UNSAFE_CHARS.sub("_", base).lstrip("._-")[:120]
    return cleaned or "upload.txt"


def _check_uploads(uploads: list[UploadFile], limit: int) -> None:
    for upload in uploads:
        if upload.size is not None and upload.size > limit:
            raise PayloadTooLargeError(f"{safe_name(upload.filename)} is over {limit} bytes.")
        suffix = Path(safe_name(upload.filename)).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            known = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise InvalidRequestError(
                f"{safe_name(upload.filename)}: unsupported file type (use {known})."
            )


def _stage(upload: UploadFile, folder: Path, limit: int) -> StagedUpload:
    target = folder / safe_name(upload.filename)
    previous = target.read_bytes() if target.exists() else None
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            size = 0
            upload.file.seek(0)
            while chunk := upload.file.read(COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(f"{target.name} is over {limit} bytes.")
                out.write(chunk)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return StagedUpload(target, previous)


def _ingest_uploads(state: ApiState, parts: Components, uploads: list[UploadFile]) -> Any:
    limit = state.settings.max_upload_bytes
    _check_uploads(uploads, limit)
    folder = Path(state.settings.data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    with state.ingest_lock:
        staged: list[StagedUpload] = []
        try:
            for upload in uploads:
                staged.append(_stage(upload, folder, limit))
            return _run(state, parts, [s.path for s in staged], False)
        except IngestRejectedError as exc:
            failed = {d["path"] for d in exc.details}
            for item in staged:
                if item.path.name in failed:
                    _restore(item)
            raise
        except Exception:
            for item in staged:
                _restore(item)
            raise


def _rescan(state: ApiState, parts: Components, corpus: Path, prune: bool) -> Any:
    with state.ingest_lock:
        return _run(state, parts, [corpus], prune)


def _restore(item: StagedUpload) -> None:
    """Put back what the file held before, so disk and index agree."""
    if item.previous is None:
        item.path.unlink(missing_ok=True)
    else:
        item.path.write_bytes(item.previous)


def _run(state: ApiState, parts: Components, paths: list[Path], prune: bool) -> dict[str, Any]:
    """One pipeline run (the caller holds the ingest lock)."""
    report = parts.pipeline().run(paths, prune=prune).to_dict()
    state.metrics.observe_ingest(report)
    report["failed"] = [{**f, "path": Path(f["path"]).name} for f in report["failed"]]
    report["skipped"] = [Path(p).name for p in report["skipped"]]
    if report["failed"]:
        names = "; ".join(f"{f['path']}: {f['error']}" for f in report["failed"][:5])
        raise IngestRejectedError(
            f"{len(report['failed'])} file(s) could not be ingested: {names}",
            details=report["failed"],
        )
    return report
