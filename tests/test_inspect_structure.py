"""`verbatim inspect` shows the structure of Markdown, rst and HTML documents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app

DATA = Path(__file__).parent / "data" / "structure"


@pytest.mark.model  # ingests with the real embedder
def test_inspect_shows_headings_lists_code_boilerplate_and_gaps(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("guide.md", "guide.rst", "page.html"):
        shutil.copy(DATA / name, docs / name)
    (docs / "cut.md").write_text(
        "# Cut\n\nThe plan lists these measures:\n\nShare this:\n\nShare on Facebook\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    data = str(tmp_path / "data")
    ingested = runner.invoke(app, ["ingest", str(docs), "--data-dir", data, "--json"])
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["failed"] == []

    for name in ("guide.md", "guide.rst", "page.html"):
        shown = runner.invoke(app, ["inspect", name, "--data-dir", data, "--json"])
        assert shown.exit_code == 0, shown.output
        info = json.loads(shown.stdout)
        kinds = [entry["kind"] for entry in info["structure"]]
        assert "heading" in kinds and "list" in kinds and "code" in kinds, (name, kinds)
        lists = [entry for entry in info["structure"] if entry["kind"] == "list"]
        assert any("Short-stay pontoons" in item["text"] for item in lists[0]["items"])
        assert info["blocks"] and all(
            {"start", "end", "kind", "level"} <= set(b) for b in info["blocks"]
        )

    table = runner.invoke(app, ["inspect", "guide.rst", "--data-dir", data])
    assert table.exit_code == 0, table.output
    assert "heading h2" in table.output and "list" in table.output and "code" in table.output
    assert "Short-stay pontoons" in table.output

    cut = runner.invoke(app, ["inspect", "cut.md", "--data-dir", data])
    assert "boilerplate" in cut.output and "gap" in cut.output
