"""The web chat page in headless Chromium (Debian's ``chromium``) driven by Playwright, against a
real uvicorn server: streamed answers, citation markers that open the exact passage, refusals,
no ``null``/``undefined`` after any kind of answer, keyboard-only use, a phone-width layout."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import (
    LiveServer,
    ask_in_page,
    free_port,
    make_settings,
    serve,
    with_settings,
)
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from qa.api import create_app
from qa.components import Components

pytestmark = [pytest.mark.browser, pytest.mark.server]

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCREENSHOT = DOCS / "screenshot.png"
PHONE_SCREENSHOT = DOCS / "screenshot-phone.png"
PHONE: ViewportSize = {"width": 390, "height": 844}
PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
NOT_IN_DOCUMENTS = "What is the capital of France?"
OUT_OF_SCOPE = "Write me a poem about cats"
TOO_LONG = "Why? " * 500
TIMEOUT_MS = 20_000
STRAY = re.compile(r"\b(null|undefined|NaN|\[object Object\])\b")


def api_answer(server: LiveServer, question: str) -> dict[str, Any]:
    """The same question through POST /v1/ask."""
    response = httpx.post(f"{server.url}/v1/ask", json={"question": question}, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def test_citation_opens_the_exact_passage_highlighted(page: Page, api_server: LiveServer) -> None:
    page.goto(api_server.url)
    item = ask_in_page(page, PRECEDENT)
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
    first = ask_in_page(page, PRECEDENT)
    first.locator(".answer-text button.cite[data-cite='1']").click()
    expect(page.locator("mark#cited-passage")).to_be_visible()
    refusal = ask_in_page(page, TRUNCATED)
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


def test_an_answer_whose_section_runs_into_a_cut_off_list_says_so(
    page: Page, api_server: LiveServer
) -> None:
    """A question for what a section says is answered from it; the section ends in the cut-off
    list, and the answer notes it under the citations (a refusal would not need to)."""
    page.goto(api_server.url)
    item = ask_in_page(
        page,
        "What does the article say about historical precedent and the efficacy of new guarantees?",
    )
    expect(item).not_to_have_class("message assistant refusal")
    note = item.locator(".gap-note")
    expect(note).to_have_count(1)
    expect(note).to_have_text(
        "The source is cut off after “According to reports, these included:” "
        "(shadow-negotiation-28-point-plan.txt)."
    )
    refused = ask_in_page(page, TRUNCATED)
    expect(refused.locator(".gap-note")).to_have_count(0)


def assert_no_stray_words(page: Page, item: Locator) -> None:
    """Nothing on the page reads ``null``, ``undefined``, ``NaN`` or ``[object Object]``."""
    for text in (item.inner_text(), page.locator("body").inner_text()):
        found = STRAY.search(text)
        assert found is None, f"{found.group(0)!r} rendered in: {text!r}"


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (PRECEDENT, None),
        (NOT_IN_DOCUMENTS, "not_in_documents"),
        (TRUNCATED, "source_truncated"),
        (OUT_OF_SCOPE, "out_of_scope"),
    ],
    ids=["answer", "not_in_documents", "source_truncated", "out_of_scope"],
)
def test_no_null_or_undefined_after_an_answer_or_refusal(
    page: Page, api_server: LiveServer, question: str, reason: str | None
) -> None:
    expected = api_answer(api_server, question)
    assert expected["refusal_reason"] == reason, expected  # the case really is of this kind
    page.goto(api_server.url)
    item = ask_in_page(page, question)
    expect(item).to_have_attribute("data-refusal-reason", reason or "")
    expect(item.locator(".answer-text")).to_have_text(
        expected["answer"].replace("[", "").replace("]", "")
    )
    expect(item.locator("ol.citations > li")).to_have_count(len(expected["citations"]))
    assert_no_stray_words(page, item)
    if expected["citations"]:
        item.locator("button.cite").first.click()
        expect(page.locator("mark#cited-passage")).to_be_visible()
        assert_no_stray_words(page, item)


def test_no_null_or_undefined_after_an_invalid_request(page: Page, api_server: LiveServer) -> None:
    page.goto(api_server.url)
    item = ask_in_page(page, TOO_LONG)
    expect(item).to_have_attribute("role", "alert")
    expect(item).to_contain_text("too long")
    assert_no_stray_words(page, item)


def test_no_null_or_undefined_after_a_server_error(page: Page, sample: Components) -> None:
    llm = sample.settings.llm.model_copy(
        update={"base_url": f"http://127.0.0.1:{free_port()}/v1", "max_retries": 0}
    )
    broken = with_settings(sample, backend="chat_model", llm=llm)
    with serve(create_app(broken.settings, components=broken)) as live:
        page.goto(live.url)
        item = ask_in_page(page, PRECEDENT)
        expect(item).to_have_attribute("role", "alert")
        expect(item.locator(".role")).to_have_text("Error")
        assert_no_stray_words(page, item)


def focused(page: Page) -> str:
    """A short name of the focused element: its id, or tag.class."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || `${e.tagName.toLowerCase()}.${e.className}`; }"
        )
    )


def test_keyboard_only_use(page: Page, api_server: LiveServer) -> None:
    page.goto(api_server.url)
    expect(page.locator("#question")).to_be_focused()
    # Focus order, one full Tab cycle from the question box: Send, (out of the page), the
    # header actions, back to the question.
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(focused(page))
    order = [name for name in order if name != "body."]
    assert order == ["send", "new-conversation", "summary.", "question"], order
    # Enter sends; the focus stays in the question box for the next one.
    page.locator("#question").focus()
    page.keyboard.type(PRECEDENT)
    page.keyboard.press("Enter")
    item = page.locator("li.message.assistant").first
    expect(item.locator("button.cite").first).to_be_visible()
    expect(page.locator("#question")).to_be_focused()
    expect(page.locator("#question")).to_have_value("")
    # Shift+Enter is a new line, not a send.
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    expect(page.locator("#question")).to_have_value("first line\n")
    expect(page.locator("li.message.assistant")).to_have_count(1)
    page.fill("#question", "")
    # The citations are reachable with Tab (backwards from the question box) ...
    reached = []
    for _ in range(20):
        page.keyboard.press("Shift+Tab")
        reached.append(focused(page))
        if reached[-1].startswith("button.cite") and page.evaluate(
            "() => document.activeElement.closest('.answer-text') !== null"
        ):
            break
    assert reached[-1].startswith("button.cite"), reached
    assert sum(name.startswith("button.cite") for name in reached) >= 2, reached
    # ... open with Enter, moving the focus to the passage's title ...
    page.keyboard.press("Enter")
    expect(page.locator("mark#cited-passage")).to_be_visible()
    expect(page.locator("#source-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#close-panel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#source-text")).to_be_focused()
    # ... and Escape closes the panel, giving the focus back to the citation opened (the
    # answer's last: it was reached backwards from the question box).
    page.keyboard.press("Escape")
    expect(page.locator("#source-panel")).to_be_hidden()
    expect(item.locator(".answer-text button.cite").last).to_be_focused()


def test_phone_width_has_no_horizontal_scrolling(browser: Browser, api_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def assert_fits() -> None:
        sizes = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " document.body.scrollWidth]"
        )
        assert max(sizes) <= PHONE["width"], sizes

    try:
        page.goto(api_server.url)
        assert_fits()
        item = ask_in_page(page, PRECEDENT)
        assert_fits()
        item.locator("button.cite").first.click()
        expect(page.locator("mark#cited-passage")).to_be_visible()
        assert_fits()
        chat = page.locator("section.chat").bounding_box()
        panel = page.locator("#source-panel").bounding_box()
        assert chat is not None and panel is not None
        assert panel["y"] >= chat["y"] + chat["height"] - 1  # the panel goes below the chat
        ask_in_page(page, TRUNCATED)
        page.locator("#key-settings summary").click()
        assert_fits()
        for box in page.locator("button, textarea, blockquote, .message").all():
            bounds = box.bounding_box()
            if bounds is not None:
                assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= PHONE["width"] + 0.5
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(PHONE_SCREENSHOT), full_page=True)
    finally:
        context.close()


def test_page_asks_for_a_key_when_the_api_needs_one(
    page: Page, sample: Components, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, api_keys=["browser-key-123"])
    with serve(create_app(settings, components=sample)) as live:
        page.goto(live.url)
        failed = ask_in_page(page, PRECEDENT)
        expect(failed).to_have_attribute("role", "alert")
        expect(page.locator("#key-settings")).to_have_attribute("open", "")
        page.fill("#api-key", "browser-key-123")
        page.press("#api-key", "Enter")
        expect(page.locator("#key-status")).to_have_text("Key saved in this browser.")
        answered = ask_in_page(page, PRECEDENT)
        expect(answered.locator("button.cite").first).to_be_visible()
