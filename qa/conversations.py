"""Conversation history in the storage layer's database (SQLite or PostgreSQL).

Each conversation is a list of turns; assistant turns also keep the full Answer JSON, so a
conversation can be replayed with its citations.  Any replica sharing the database can continue
a conversation another one started.  Safe to use from FastAPI's thread pool.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from qa.errors import NotFoundError
from qa.feedback import FeedbackStore
from qa.types import Answer, Turn
from vectorstore.database import Database, conversations, turns, upsert


class ConversationStore:
    """Conversations and their turns (and, through :class:`FeedbackStore`, their ratings)."""

    def __init__(self, database: Database, *, max_history_turns: int = 12) -> None:
        if max_history_turns < 0:
            raise ValueError("max_history_turns must be >= 0")
        self.database = database
        self.max_history_turns = max_history_turns
        self.feedback = FeedbackStore(database)

    @classmethod
    def in_data_dir(cls, data_dir: Path, *, max_history_turns: int = 12) -> ConversationStore:
        """The store in the embedded SQLite database of ``data_dir``."""
        return cls(Database.open(None, Path(data_dir)), max_history_turns=max_history_turns)

    def close(self) -> None:
        """Close the database's pooled connections."""
        self.database.close()

    @staticmethod
    def new_id() -> str:
        """A fresh conversation id (the conversation is stored with its first exchange)."""
        return uuid.uuid4().hex

    def create(self) -> str:
        """Start an empty conversation and return its id."""
        conversation_id = self.new_id()
        now = time.time()
        with self.database.write() as db:
            db.execute(
                sa.insert(conversations).values(id=conversation_id, created_at=now, updated_at=now)
            )
        return conversation_id

    def exists(self, conversation_id: str) -> bool:
        """True when the conversation is known."""
        with self.database.read(snapshot=False) as db:
            row = db.execute(
                sa.select(conversations.c.id).where(conversations.c.id == conversation_id)
            ).first()
        return row is not None

    def require(self, conversation_id: str) -> None:
        """Raise :class:`NotFoundError` for an unknown conversation."""
        if not self.exists(conversation_id):
            raise NotFoundError("Unknown conversation_id: start a new conversation without one.")

    def add_exchange(self, conversation_id: str, question: str, answer: Answer) -> None:
        """Append a user turn and the assistant's answer in one transaction.

        The conversation is created by its first exchange, so a failed first question leaves
        nothing behind.  Touching the conversation row first locks it, so two exchanges of one
        conversation (on any replica) are stored one after the other, never interleaved.
        """
        now = time.time()
        with self.database.write() as db:
            db.execute(
                upsert(
                    db,
                    conversations,
                    {"id": conversation_id, "created_at": now, "updated_at": now},
                    keys=("id",),
                    update=("updated_at",),
                )
            )
            db.execute(
                sa.insert(turns),
                [
                    {
                        "conversation_id": conversation_id,
                        "role": "user",
                        "content": question,
                        "answer_json": None,
                        "created_at": now,
                    },
                    {
                        "conversation_id": conversation_id,
                        "role": "assistant",
                        "content": answer.answer,
                        "answer_json": answer.model_dump_json(),
                        "created_at": now,
                    },
                ],
            )

    def history(self, conversation_id: str) -> list[Turn]:
        """The latest turns, oldest first, as the chain's history."""
        query = (
            sa.select(turns.c.role, turns.c.content)
            .where(turns.c.conversation_id == conversation_id)
            .order_by(turns.c.seq.desc())
            .limit(self.max_history_turns)
        )
        with self.database.read(snapshot=False) as db:
            rows = db.execute(query).mappings().all()
        return [Turn(role=row["role"], content=row["content"]) for row in reversed(rows)]

    def get(self, conversation_id: str) -> dict[str, Any]:
        """The whole conversation: every turn, assistant turns with their Answer."""
        with self.database.read() as db:
            meta = (
                db.execute(
                    sa.select(conversations.c.created_at, conversations.c.updated_at).where(
                        conversations.c.id == conversation_id
                    )
                )
                .mappings()
                .first()
            )
            rows = (
                db.execute(
                    sa.select(
                        turns.c.role, turns.c.content, turns.c.answer_json, turns.c.created_at
                    )
                    .where(turns.c.conversation_id == conversation_id)
                    .order_by(turns.c.seq)
                )
                .mappings()
                .all()
            )
        if meta is None:
            raise NotFoundError("Unknown conversation_id: start a new conversation without one.")
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
        """Record feedback on an answer (in the one feedback store)."""
        self.feedback.add(
            rating, source=source, conversation_id=conversation_id, turn=turn, comment=comment
        )

    def count_feedback(self) -> int:
        """How many pieces of feedback are stored."""
        return self.feedback.count()


def _turn(row: RowMapping) -> dict[str, Any]:
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
