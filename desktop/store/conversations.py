"""Chat history: one JSON file per conversation under ``home/conversations`` (0600 files in a 0700 folder, atomic writes).

Qt-free. A conversation is a list of messages; an assistant message also
records which adapters answered it and the sources shown under it.
"""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.core.atomic import atomic_write_bytes

log = logging.getLogger(__name__)
CONVERSATION_SCHEMA_VERSION = 1
ROLES = ("user", "assistant")


@dataclass
class Message:
    """One turn: the user's question or the model's answer."""

    role: str
    text: str
    created: float = field(default_factory=time.time)
    adapters: list[str] = field(default_factory=list)  # names of the adapters active for this answer
    auto: list[str] = field(default_factory=list)  # those of them chosen automatically for the question
    sources: list[dict] = field(default_factory=list)  # {name, source, section, snippet} each
    stopped: bool = False  # the user stopped generation
    dropped: int = 0  # earlier messages left out of this answer's prompt to fit the context window

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown message role {self.role!r}; expected one of {ROLES}")


MESSAGE_FIELDS = frozenset(Message.__dataclass_fields__)  # unknown keys (a newer Lorafy's) are ignored


@dataclass
class Conversation:
    """A titled list of messages."""

    id: str
    title: str = "New chat"
    created: float = field(default_factory=time.time)
    messages: list[Message] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"schema_version": CONVERSATION_SCHEMA_VERSION, "id": self.id, "title": self.title,
                "created": self.created, "messages": [asdict(m) for m in self.messages]}

    @classmethod
    def from_dict(cls, raw: dict) -> "Conversation":
        return cls(id=str(raw["id"]), title=str(raw.get("title", "New chat")), created=float(raw.get("created", 0)),
                   messages=[Message(**{k: v for k, v in m.items() if k in MESSAGE_FIELDS})
                             for m in raw.get("messages", [])])


class ConversationStore:
    """Conversations of one Lorafy home."""

    def __init__(self, home: Path):
        self.dir = Path(home) / "conversations"
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)

    def new(self) -> Conversation:
        return Conversation(id=uuid.uuid4().hex[:12])

    def path(self, conv_id: str) -> Path:
        return self.dir / f"{conv_id}.json"

    def save(self, conv: Conversation) -> Path:
        data = (json.dumps(conv.to_dict(), indent=1, ensure_ascii=False) + "\n").encode()
        return atomic_write_bytes(self.path(conv.id), data, mode=0o600)

    def load(self, conv_id: str) -> Conversation:
        return Conversation.from_dict(json.loads(self.path(conv_id).read_text()))

    def all(self) -> list[Conversation]:
        """Every readable conversation, newest first; damaged files are skipped with a warning (never deleted)."""
        out = []
        for p in self.dir.glob("*.json"):
            try:
                out.append(Conversation.from_dict(json.loads(p.read_text())))
            except (OSError, ValueError, KeyError, TypeError) as e:
                log.warning("skipping damaged conversation %s: %s", p, e)
        return sorted(out, key=lambda c: c.created, reverse=True)

    def delete(self, conv_id: str) -> None:
        self.path(conv_id).unlink(missing_ok=True)
