"""The one feedback store: ratings from every surface, in the storage layer's database.

The web page and the API rate an answer of a conversation (``add``); Slack posts an answer with
vote buttons (``remember`` returns the short id the buttons carry) and records one vote per user
and answer (``record``, a new vote replaces the old one).  Everything lands in the ``feedback``
table of :mod:`vectorstore.database`, on SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from qa.types import Answer
from vectorstore.database import Database, feedback, posted_answers, upsert


class FeedbackStore:
    """Feedback from the web page, the API and Slack, and the Slack answers voted on."""

    RETENTION_S = 90 * 24 * 3600  # how long a posted answer can still be voted on

    def __init__(self, database: Database) -> None:
        self.database = database

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> FeedbackStore:
        """The store in the embedded SQLite database of ``data_dir``."""
        return cls(Database.open(None, Path(data_dir)))

    # -- web page and API ---------------------------------------------------------------

    def add(
        self,
        rating: str,
        *,
        source: str,
        conversation_id: str | None = None,
        turn: int | None = None,
        comment: str | None = None,
    ) -> None:
        """Record a rating of an answer (optionally of one turn of a conversation)."""
        with self.database.write() as db:
            db.execute(
                sa.insert(feedback).values(
                    source=source,
                    rating=rating,
                    comment=comment,
                    conversation_id=conversation_id,
                    turn=turn,
                    created_at=time.time(),
                )
            )

    def count(self) -> int:
        """How many pieces of feedback are stored, from every surface."""
        with self.database.read(snapshot=False) as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(feedback)).scalar_one())

    # -- Slack --------------------------------------------------------------------------

    def remember(self, question: str, answer: Answer, channel: str | None) -> str:
        """Store an answer about to be posted; the short id goes into its feedback buttons."""
        answer_id = secrets.token_hex(6)
        now = time.time()
        with self.database.write() as db:
            db.execute(
                sa.delete(posted_answers).where(
                    posted_answers.c.created_at < now - self.RETENTION_S
                )
            )
            db.execute(
                sa.insert(posted_answers).values(
                    id=answer_id,
                    question=question,
                    answer=answer.answer,
                    refused=answer.refused,
                    channel=channel,
                    created_at=now,
                )
            )
        return answer_id

    def record(self, answer_id: str, vote: str, user: str, channel: str | None) -> bool:
        """Record (or change) one user's vote; False when the answer id is unknown."""
        with self.database.write() as db:
            row = (
                db.execute(
                    sa.select(posted_answers.c.question, posted_answers.c.answer).where(
                        posted_answers.c.id == answer_id
                    )
                )
                .mappings()
                .first()
            )
            db.execute(
                upsert(
                    db,
                    feedback,
                    {
                        "source": "slack",
                        "rating": vote,
                        "answer_id": answer_id,
                        "user_id": user,
                        "question": row["question"] if row else None,
                        "answer": row["answer"] if row else None,
                        "channel": channel,
                        "created_at": time.time(),
                    },
                    keys=("answer_id", "user_id"),
                    update=("rating", "created_at"),
                )
            )
        return row is not None

    def votes(self) -> list[dict[str, Any]]:
        """Every recorded Slack vote, oldest first."""
        query = (
            sa.select(feedback)
            .where(feedback.c.answer_id.is_not(None))
            .order_by(feedback.c.created_at, feedback.c.seq)
        )
        with self.database.read(snapshot=False) as db:
            rows = db.execute(query).mappings().all()
        return [
            {
                "answer_id": row["answer_id"],
                "user": row["user_id"],
                "vote": row["rating"],
                "question": row["question"],
                "answer": row["answer"],
                "channel": row["channel"],
                "created": row["created_at"],
            }
            for row in rows
        ]
