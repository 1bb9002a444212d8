"""The SQLite conversation store: turns in order, bounded history, citations kept, thread-safe."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qa.conversations import ConversationStore
from qa.errors import NotFoundError
from qa.types import Answer, Citation


def answer(text: str, quote: str = "") -> Answer:
    """An Answer citing one passage (or a refusal when there is no quote)."""
    if not quote:
        return Answer(answer=text, refused=True, refusal_reason="not_in_documents")
    citation = Citation(
        id=1, document="doc.txt", chunk_id="c1", start=0, end=len(quote), quote=quote
    )
    return Answer(answer=f"{text} [1]", citations=[citation])


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    """A store in this test's data dir."""
    return ConversationStore.in_data_dir(tmp_path)


def test_first_exchange_creates_the_conversation(store: ConversationStore) -> None:
    conversation_id = store.new_id()
    assert not store.exists(conversation_id)
    store.add_exchange(conversation_id, "Who?", answer("Mara.", "Mara Lindqvist"))
    assert store.exists(conversation_id)
    stored = store.get(conversation_id)
    assert [t["role"] for t in stored["turns"]] == ["user", "assistant"]
    assert stored["turns"][1]["citations"][0]["quote"] == "Mara Lindqvist"
    assert stored["turns"][1]["answer"]["answer"] == "Mara. [1]"


def test_history_is_oldest_first_and_bounded(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", max_history_turns=4)
    conversation_id = store.new_id()
    for i in range(3):
        store.add_exchange(conversation_id, f"q{i}", answer(f"a{i}"))
    history = store.history(conversation_id)
    assert [(t.role, t.content) for t in history] == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2"),
        ("assistant", "a2"),
    ]


def test_unknown_conversation_raises_not_found(store: ConversationStore) -> None:
    with pytest.raises(NotFoundError):
        store.require("missing")
    with pytest.raises(NotFoundError):
        store.get("missing")
    assert store.history("missing") == []


def test_conversations_survive_a_restart(tmp_path: Path) -> None:
    first = ConversationStore.in_data_dir(tmp_path)
    conversation_id = first.create()
    first.add_exchange(conversation_id, "q", answer("a", "quote"))
    first.close()
    again = ConversationStore.in_data_dir(tmp_path)
    assert [t.content for t in again.history(conversation_id)] == ["q", "a [1]"]


def test_concurrent_writers_do_not_lose_turns(store: ConversationStore) -> None:
    conversation_id = store.create()

    def write(n: int) -> None:
        for i in range(20):
            store.add_exchange(conversation_id, f"{n}-{i}", answer("a"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    turns = store.get(conversation_id)["turns"]
    assert len(turns) == 160
    assert all(turns[i]["role"] == "user" for i in range(0, 160, 2))


def test_feedback_is_recorded(store: ConversationStore) -> None:
    store.add_feedback("up", source="web", conversation_id=None, turn=1, comment="great")
    store.add_feedback("down", source="slack")
    assert store.count_feedback() == 2


def test_negative_history_bound_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_history_turns"):
        ConversationStore(tmp_path / "c.sqlite3", max_history_turns=-1)
