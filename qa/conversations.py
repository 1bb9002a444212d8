"""Conversation history in SQLite: the only state the API process keeps.

Each conversation is a list of turns; assistant turns also keep the full Answer JSON, so a
conversation can be replayed with its citations.  Safe to use from FastAPI's thread pool.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa.errors import NotFoundError
from qa.types import Answer, Turn

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    answer_json TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation_id, seq);
CREATE TABLE IF NOT EXISTS feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT,
    turn INTEGER,
    rating TEXT NOT NULL,
    comment TEXT,
    source TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""


class ConversationStore:
    """Conversations and their turns in ``data_dir/conversations.sqlite3``."""

    def __init__(self, path: Path, *, max_history_turns: int = 12) -> None:
        if max_history_turns < 0:
            raise ValueError("max_history_turns must be >= 0")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_history_turns = max_history_turns
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30.0)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ConversationStore:
        """The store at its usual place under the data dir."""
        return cls(Path(data_dir) / "conversations.sqlite3")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    @staticmethod
    def new_id() -> str:
        """A fresh conversation id (the conversation is stored with its first exchange)."""
        return uuid.uuid4().hex

    def create(self) -> str:
        """Start an empty conversation and return its id."""
        conversation_id = self.new_id()
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?)",
                (conversation_id, now, now),
            )
        return conversation_id

    def exists(self, conversation_id: str) -> bool:
        """True when the conversation is known."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        return row is not None

    def require(self, conversation_id: str) -> None:
        """Raise :class:`NotFoundError` for an unknown conversation."""
        if not self.exists(conversation_id):
            raise NotFoundError("Unknown conversation_id: start a new conversation without one.")

    def add_exchange(self, conversation_id: str, question: str, answer: Answer) -> None:
        """Append a user turn and the assistant's answer in one transaction.

        The conversation is created by its first exchange, so a failed first question leaves
        nothing behind.
        """
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO conversations (id, created_at, updated_at) VALUES (?, ?, ?)",
                (conversation_id, now, now),
            )
            db.execute(
                "INSERT INTO turns (conversation_id, role, content, answer_json, created_at)"
                " VALUES (?, 'user', ?, NULL, ?)",
                (conversation_id, question, now),
            )
            db.execute(
                "INSERT INTO turns (conversation_id, role, content, answer_json, created_at)"
                " VALUES (?, 'assistant', ?, ?, ?)",
                (conversation_id, answer.answer, answer.model_dump_json(), now),
            )
            db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )

    def history(self, conversation_id: str) -> list[Turn]:
        """The latest turns, oldest first, as the chain's history."""
        with self._lock:
            rows = self._db.execute(
                "SELECT role, content, answer_json FROM turns WHERE conversation_id = ?"
                " ORDER BY seq DESC LIMIT ?",
                (conversation_id, self.max_history_turns),
            ).fetchall()
        return [
            Turn(
                role=row["role"],
                content=row["content"],
                refused=bool(row["answer_json"] and json.loads(row["answer_json"]).get("refused")),
            )
            for row in reversed(rows)
        ]

    def get(self, conversation_id: str) -> dict[str, Any]:
        """The whole conversation: every turn, assistant turns with their Answer."""
        self.require(conversation_id)
        with self._lock:
            meta = self._db.execute(
                "SELECT created_at, updated_at FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            rows = self._db.execute(
                "SELECT role, content, answer_json, created_at FROM turns"
                " WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return {
            "conversation_id": conversation_id,
            "created_at": meta["created_at"],
            "updated_at": meta["updated_at"],
            "turns": [_turn(row) for row in rows],
        }

    def add_feedback(
        self,
        rating: str,
        *,
        source: str,
        conversation_id: str | None = None,
        turn: int | None = None,
        comment: str | None = None,
    ) -> None:
        """Record feedback on an answer."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO feedback (conversation_id, turn, rating, comment, source, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, turn, rating, comment, source, time.time()),
            )

    def count_feedback(self) -> int:
        """How many pieces of feedback are stored."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM feedback").fetchone()[0])


def _turn(row: sqlite3.Row) -> dict[str, Any]:
    turn: dict[str, Any] = {
        "role": row["role"],
        "content": row["content"],
        "created_at": row["created_at"],
    }
    if row["answer_json"]:
        answer = Answer.model_validate_json(row["answer_json"])
        turn["answer"] = answer.model_dump()
        turn["citations"] = [c.model_dump() for c in answer.citations]
    return turn
