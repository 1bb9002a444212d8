"""Bad input, one table: every row gets a clear 4xx error JSON and leaves the index unchanged.

After each rejected request the chunk count, the vector count, the document list and the
citations of a known answer are compared with what they were before.  Text uploads in a legacy
encoding are accepted (decoded as cp1252) when they are clearly text; binary-looking bytes are
refused.  Malformed eval datasets make ``verbatim eval`` exit with code 2 naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import SAMPLE_CORPUS, assert_error, components_for, make_settings
from reliability_support import PRECEDENT, IndexFacts, index_facts, report_figure
from typer.testing import CliRunner

from qa.api import create_app
from qa.cli import app as cli_app
from qa.components import Components

pytestmark = pytest.mark.reliability

UPLOAD_LIMIT = 8192
LATIN1_TEXT = (
    "Caf\xe9 Rosalind menu notes\n\n"
    "The cr\xe8me br\xfbl\xe9e at Caf\xe9 Rosalind costs seven euros and is served warm. "
    "The na\xefve g\xe2teau recipe came from the owner's grandmother in Li\xe8ge.\n"
)
BINARYISH = bytes(b for b in range(0x80, 0x100)) * 8 + b"\x01\x02\x03\x04" * 64

Row = tuple[str, str, dict[str, Any], int, str]

ROWS: dict[str, Row] = {
    "empty question": ("POST", "/v1/ask", {"json": {"question": ""}}, 422, "invalid_request"),
    "whitespace question": (
        "POST",
        "/v1/ask",
        {"json": {"question": " \n\t  "}},
        422,
        "invalid_request",
    ),
    "100k-char question": (
        "POST",
        "/v1/ask",
        {"json": {"question": "why " * 25_000}},
        422,
        "invalid_request",
    ),
    "100k-char chat message": (
        "POST",
        "/v1/chat",
        {"json": {"message": "x" * 100_000}},
        422,
        "invalid_request",
    ),
    "100k-char openai message": (
        "POST",
        "/v1/chat/completions",
        {"json": {"model": "verbatim", "messages": [{"role": "user", "content": "y" * 100_000}]}},
        422,
        "invalid_request",
    ),
    "100k-char history turn": (
        "POST",
        "/v1/ask",
        {"json": {"question": PRECEDENT, "history": [{"role": "user", "content": "z" * 100_000}]}},
        422,
        "invalid_request",
    ),
    "invalid JSON": (
        "POST",
        "/v1/ask",
        {"content": b'{"question": ', "headers": {"content-type": "application/json"}},
        422,
        "invalid_request",
    ),
    "JSON that is not UTF-8": (
        "POST",
        "/v1/ask",
        {"content": b'{"question": "\xff\xfe"}', "headers": {"content-type": "application/json"}},
        422,
        "invalid_request",
    ),
    "body is a JSON array": ("POST", "/v1/ask", {"json": [PRECEDENT]}, 422, "invalid_request"),
    "body is null": ("POST", "/v1/ask", {"json": None}, 422, "invalid_request"),
    "question is a number": ("POST", "/v1/ask", {"json": {"question": 42}}, 422, "invalid_request"),
    "question is a list": (
        "POST",
        "/v1/ask",
        {"json": {"question": [PRECEDENT]}},
        422,
        "invalid_request",
    ),
    "history is a string": (
        "POST",
        "/v1/ask",
        {"json": {"question": PRECEDENT, "history": "earlier"}},
        422,
        "invalid_request",
    ),
    "history role unknown": (
        "POST",
        "/v1/ask",
        {"json": {"question": PRECEDENT, "history": [{"role": "system", "content": "x"}]}},
        422,
        "invalid_request",
    ),
    "stream is a string": (
        "POST",
        "/v1/chat",
        {"json": {"message": PRECEDENT, "stream": "yes please"}},
        422,
        "invalid_request",
    ),
    "unknown field": (
        "POST",
        "/v1/ask",
        {"json": {"question": PRECEDENT, "temperature": 0.9}},
        422,
        "invalid_request",
    ),
    "unknown feedback field": (
        "POST",
        "/v1/feedback",
        {"json": {"rating": "up", "stars": 5}},
        422,
        "invalid_request",
    ),
    "unknown conversation id (chat)": (
        "POST",
        "/v1/chat",
        {"json": {"conversation_id": "no-such-conversation", "message": PRECEDENT}},
        404,
        "not_found",
    ),
    "unknown conversation id (get)": (
        "GET",
        "/v1/conversations/no-such-conversation",
        {},
        404,
        "not_found",
    ),
    "unknown conversation id (feedback)": (
        "POST",
        "/v1/feedback",
        {"json": {"rating": "down", "conversation_id": "nope"}},
        404,
        "not_found",
    ),
    "document id with ../": ("GET", "/v1/documents/..%2F..%2Fetc%2Fpasswd", {}, 404, "not_found"),
    "document id with encoded dots": (
        "GET",
        "/v1/documents/%2e%2e/%2e%2e/pyproject.toml",
        {},
        404,
        "not_found",
    ),
    "absolute document id": ("GET", "/v1/documents/%2Fetc%2Fpasswd", {}, 404, "not_found"),
    "unknown model": (
        "POST",
        "/v1/chat/completions",
        {"json": {"model": "gpt-4", "messages": [{"role": "user", "content": PRECEDENT}]}},
        404,
        "not_found",
    ),
    "upload is binary": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("blob.txt", BINARYISH, "text/plain"))]},
        422,
        "ingest_failed",
    ),
    "upload has NUL bytes": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("nul.md", b"# Title\n\x00\x00\x00 text", "text/markdown"))]},
        422,
        "ingest_failed",
    ),
    "upload is empty": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("empty.txt", b"", "text/plain"))]},
        422,
        "ingest_failed",
    ),
    "upload is whitespace": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("blank.txt", b" \n\n\t \n", "text/plain"))]},
        422,
        "ingest_failed",
    ),
    "upload over the size limit": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("big.txt", b"word " * (UPLOAD_LIMIT // 4), "text/plain"))]},
        413,
        "payload_too_large",
    ),
    "upload far over the limit": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("huge.txt", b"word " * 40_000, "text/plain"))]},
        413,
        "payload_too_large",
    ),
    "upload of an executable": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("tool.exe", b"MZ\x90\x00", "application/octet-stream"))]},
        422,
        "invalid_request",
    ),
    "upload that is a fake PDF": (
        "POST",
        "/v1/ingest",
        {"files": [("files", ("scan.pdf", b"%PDF-1.7\n garbage", "application/pdf"))]},
        422,
        "ingest_failed",
    ),
    "broken multipart": (
        "POST",
        "/v1/ingest",
        {
            "content": b"--xyz\r\nContent-Disposition: form-data; name=files\r\nbroken",
            "headers": {"content-type": "multipart/form-data; boundary=xyz"},
        },
        422,
        "invalid_request",
    ),
    "rescan false": ("POST", "/v1/ingest", {"json": {"rescan": False}}, 422, "invalid_request"),
}


@pytest.fixture(scope="module")
def guarded(
    sample: Components, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Components, IndexFacts]]:
    """A client over its own copy of the sample index, and the index facts before any request."""
    settings = make_settings(
        tmp_path_factory.mktemp("badinput") / "data",
        SAMPLE_CORPUS,
        max_upload_bytes=UPLOAD_LIMIT,
        rate_limit_per_minute=0,
    )
    parts = components_for(settings, sample)
    assert parts.pipeline().run([SAMPLE_CORPUS]).ok
    with TestClient(create_app(settings, components=parts)) as client:
        yield client, parts, index_facts(parts)


@pytest.mark.parametrize("row", list(ROWS), ids=list(ROWS))
def test_bad_input_is_a_clear_4xx_and_leaves_the_index_unchanged(
    guarded: tuple[TestClient, Components, IndexFacts], row: str
) -> None:
    client, parts, before = guarded
    method, path, kwargs, status, code = ROWS[row]
    response = client.request(method, path, **kwargs)
    message = assert_error(response, status, code)["message"]
    # Never echo a huge input back.
    assert len(response.content) < 4000, message[:200]
    assert index_facts(parts) == before
    uploads = Path(parts.settings.data_dir) / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_bad_input_table_covers_every_kind(record_property: Any) -> None:
    statuses = sorted({row[3] for row in ROWS.values()})
    report_figure(record_property, bad_inputs=len(ROWS), statuses=statuses, errors_5xx=0)
    assert len(ROWS) >= 30


def test_latin1_text_upload_is_decoded_as_cp1252_and_quoted_exactly(
    sample: Components, tmp_path: Path
) -> None:
    raw = LATIN1_TEXT.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    parts = components_for(make_settings(tmp_path / "data", SAMPLE_CORPUS), sample)
    with TestClient(create_app(parts.settings, components=parts)) as client:
        response = client.post("/v1/ingest", files=[("files", ("menu.txt", raw, "text/plain"))])
        assert response.status_code == 200, response.text
        doc = client.get("/v1/documents/menu.txt").json()
        assert doc["text"] == LATIN1_TEXT
        answer = client.post(
            "/v1/ask", json={"question": "How much does the crème brûlée cost?"}
        ).json()
        assert not answer["refused"], answer
        for c in answer["citations"]:
            assert c["quote"] == doc["text"][c["start"] : c["end"]]
        assert any("crème brûlée" in c["quote"] for c in answer["citations"]), answer


BAD_DATASETS = {
    "malformed YAML": ("cases:\n  - id: a\n    question: [unclosed\n", "invalid YAML"),
    "duplicate ids": (
        "cases:\n  - id: a\n    question: one?\n  - id: a\n    question: two?\n",
        "'id'",
    ),
    "missing question": ("cases:\n  - id: a\n    expect: answer\n", "'question'"),
    "unknown expect": ("cases:\n  - id: a\n    question: q?\n    expect: maybe\n", "'expect'"),
    "no cases": ("name: empty\ncases: []\n", "'cases'"),
    "not a mapping": ("- just\n- a list\n", "dataset"),
}


@pytest.mark.parametrize("kind", list(BAD_DATASETS), ids=list(BAD_DATASETS))
def test_malformed_eval_dataset_exits_2_and_names_the_field(tmp_path: Path, kind: str) -> None:
    content, named = BAD_DATASETS[kind]
    dataset = tmp_path / "bad.yaml"
    dataset.write_text(content)
    result = CliRunner().invoke(
        cli_app, ["eval", "--dataset", str(dataset), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 2, result.output
    assert "bad.yaml" in result.output and named in result.output, result.output
    assert "Traceback" not in result.output


def test_malformed_jsonl_dataset_names_the_line(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text(json.dumps({"id": "a", "question": "q?"}) + "\n{not json\n")
    result = CliRunner().invoke(
        cli_app, ["eval", "--dataset", str(dataset), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 2, result.output
    assert "bad.jsonl" in result.output
