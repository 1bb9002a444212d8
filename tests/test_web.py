"""The web chat page in headless Chromium (Debian's ``chromium``) driven by Playwright, against a
real uvicorn server: streamed answers, citation markers that open the exact passage, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from conftest import make_settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from qa.api import create_app
from qa.components import Components

if TYPE_CHECKING:
    from servers import LiveServer

pytest_plugins = ["servers"]
pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, once per module."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own storage) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
    assert not errors, errors


def ask(page: Page, question: str) -> Any:
    """Type a question, press Enter, and return the finished assistant message."""
    count = page.locator("li.message.assistant").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    item = page.locator("li.message.assistant").nth(count)
    expect(item).not_to_have_attribute("aria-busy", "true")
    expect(item.locator(".streaming")).to_have_count(0)
    return item


def api_answer(server: LiveServer, question: str) -> dict[str, Any]:
    """The same question through POST /v1/ask."""
    response = httpx.post(f"{server.url}/v1/ask", json={"question": question}, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def test_citation_opens_the_exact_passage_highlighted(page: Page, api_server: LiveServer) -> None:
    page.goto(api_server.url)
    item = ask(page, PRECEDENT)
    expect(item.locator(".answer-text")).to_contain_text("Budapest")
    expected = api_answer(api_server, PRECEDENT)["citations"][0]
    item.locator(".answer-text button.cite[data-cite='1']").click()
    mark = page.locator("#source-text mark#cited-passage")
    expect(mark).to_have_text(expected["quote"], use_inner_text=False)
    assert mark.text_content() == expected["quote"]
    expect(mark).to_be_in_viewport()
    expect(page.locator("#source-title")).to_be_focused()
    expect(item.locator("button.cite[data-cite='1']").first).to_have_attribute(
        "aria-pressed", "true"
    )


def test_refusal_is_amber_and_says_the_source_is_cut_off(
    page: Page, api_server: LiveServer
) -> None:
    page.goto(api_server.url)
    first = ask(page, PRECEDENT)
    first.locator(".answer-text button.cite[data-cite='1']").click()
    expect(page.locator("mark#cited-passage")).to_be_visible()
    refusal = ask(page, TRUNCATED)
    expect(refusal).to_have_class("message assistant refusal")
    expect(refusal.locator(".refusal-title")).to_have_text("The source text is cut off here")
    background = refusal.evaluate("node => getComputedStyle(node).backgroundColor")
    normal = first.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background != normal
    page.keyboard.press("Escape")
    expect(page.locator("#source-panel")).to_be_hidden()
    refusal.locator(".answer-text button.cite").last.click()
    expect(page.locator("mark#cited-passage")).to_have_text("According to reports, these included:")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_keyboard_only_use(page: Page, api_server: LiveServer) -> None:
    page.goto(api_server.url)
    expect(page.locator("#question")).to_be_focused()
    page.keyboard.type(PRECEDENT)
    page.keyboard.press("Enter")
    item = page.locator("li.message.assistant").first
    expect(item.locator("button.cite").first).to_be_visible()
    expect(page.locator("#question")).to_be_focused()
    item.locator("button.cite").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("mark#cited-passage")).to_be_visible()


def test_narrow_window_puts_the_panel_below_the_chat(
    browser: Browser, api_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(api_server.url)
        item = ask(page, PRECEDENT)
        item.locator("button.cite").first.click()
        expect(page.locator("mark#cited-passage")).to_be_visible()
        chat = page.locator("section.chat").bounding_box()
        panel = page.locator("#source-panel").bounding_box()
        assert chat is not None and panel is not None
        assert panel["y"] >= chat["y"] + chat["height"] - 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 420
    finally:
        context.close()


def test_page_asks_for_a_key_when_the_api_needs_one(
    page: Page, sample: Components, tmp_path: Path
) -> None:
    from servers import serve

    settings = make_settings(tmp_path, api_keys=["browser-key-123"])
    with serve(create_app(settings, components=sample)) as live:
        page.goto(live.url)
        failed = ask(page, PRECEDENT)
        expect(failed).to_have_attribute("role", "alert")
        expect(page.locator("#key-settings")).to_have_attribute("open", "")
        page.fill("#api-key", "browser-key-123")
        page.press("#api-key", "Enter")
        expect(page.locator("#key-status")).to_have_text("Key saved in this browser.")
        answered = ask(page, PRECEDENT)
        expect(answered.locator("button.cite").first).to_be_visible()
