"""Record types shared by the data generators, and their JSONL reader and writer.

One record is one document with its questions. On disk it is one JSON object a
line, the evaluation format::

    {"id": "sample-bakery", "document": "...", "kind": "facts",
     "questions": [{"question": "Who owns Lindqvist Bakery?",
                    "answers": ["Petra Lindqvist", "Lindqvist"],
                    "target": "Petra Lindqvist"}]}

An answer is correct when the model output contains any accepted string,
case-insensitive. ``target`` (what the model is trained to say) and ``kind``
are extra keys; readers that only know the evaluation format ignore them.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

SPLITS = ("train", "val", "test")

TokenCounter = Callable[[str], int]


def approx_tokens(text: str) -> int:
    """Approximate token count, about four characters a token.

    >>> approx_tokens("The sky is blue.")
    4
    """
    return max(1, round(len(text) / 4))


def check_split(split: str) -> str:
    """Return ``split`` unchanged, or raise ValueError naming the valid splits."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return split


@dataclass(frozen=True)
class QA:
    """One question, its accepted answers, and the short answer to train on.

    >>> QA("Who owns Lindqvist Bakery?", ("Petra Lindqvist", "Lindqvist"), "Petra Lindqvist").target
    'Petra Lindqvist'
    """

    question: str
    answers: tuple[str, ...]
    target: str

    def __post_init__(self) -> None:
        if not isinstance(self.question, str) or not self.question.strip():
            raise ValueError("QA.question must be a non-empty string")
        if not isinstance(self.answers, tuple) or not self.answers:
            raise ValueError(f"QA.answers must be a non-empty tuple, got {self.answers!r}")
        if not all(isinstance(a, str) and a.strip() for a in self.answers):
            raise ValueError(f"QA.answers must hold non-empty strings, got {self.answers!r}")
        if not isinstance(self.target, str) or self.answers[0].lower() not in self.target.lower():
            raise ValueError(
                f"QA.target {self.target!r} must contain the first answer {self.answers[0]!r}"
            )


@dataclass(frozen=True)
class Record:
    """A document, its questions, and the generator family that made it."""

    id: str
    document: str
    questions: tuple[QA, ...]
    kind: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("Record.id must be a non-empty string")
        if not isinstance(self.document, str) or not self.document.strip():
            raise ValueError(f"Record {self.id!r}: document must be a non-empty string")
        if not isinstance(self.questions, tuple) or not self.questions:
            raise ValueError(f"Record {self.id!r}: questions must be a non-empty tuple of QA")
        if not all(isinstance(q, QA) for q in self.questions):
            raise ValueError(f"Record {self.id!r}: every question must be a QA")


def to_json(record: Record) -> dict[str, Any]:
    """The evaluation-format dict of ``record``, with ``kind`` and ``target`` kept as extras."""
    return {
        "id": record.id,
        "document": record.document,
        "questions": [
            {"question": q.question, "answers": list(q.answers), "target": q.target}
            for q in record.questions
        ],
        "kind": record.kind,
    }


def _qa_from_json(obj: Any) -> QA:
    if not isinstance(obj, dict):
        raise ValueError(f"a question must be an object, got {type(obj).__name__}")
    answers = obj.get("answers")
    if not isinstance(answers, list) or not answers:
        raise ValueError("question.answers must be a non-empty list of strings")
    return QA(obj.get("question"), tuple(answers), obj.get("target", answers[0]))


def from_json(obj: Any) -> Record:
    """Build a Record from an evaluation-format dict; ``target`` defaults to the first answer.

    >>> from_json({"id": "a", "document": "Ann is 7.",
    ...            "questions": [{"question": "How old is Ann?", "answers": ["7"]}]}).questions[0].target
    '7'
    """
    if not isinstance(obj, dict):
        raise ValueError(f"a record must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in ("id", "document", "questions") if k not in obj]
    if missing:
        raise ValueError(f"record lacks key(s) {', '.join(missing)}")
    if not isinstance(obj["questions"], list):
        raise ValueError("record.questions must be a list")
    questions = tuple(_qa_from_json(q) for q in obj["questions"])
    return Record(obj["id"], obj["document"], questions, obj.get("kind", "unknown"))


def write_rows_jsonl(path: str | os.PathLike[str], rows: Iterable[dict]) -> None:
    """Write JSON objects one a line to ``path`` atomically: a temp file in the same folder, fsync, rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: str | os.PathLike[str], records: Iterable[Record]) -> None:
    """Write ``records`` to ``path`` atomically (:func:`write_rows_jsonl`)."""
    write_rows_jsonl(path, (to_json(record) for record in records))


def read_jsonl(path: str | os.PathLike[str]) -> list[Record]:
    """Read records from ``path``; blank lines are skipped.

    Raises ValueError naming the file and line number of the first malformed line.
    """
    records = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                records.append(from_json(json.loads(line)))
            except (ValueError, TypeError) as e:  # json.JSONDecodeError is a ValueError
                raise ValueError(
                    f"{path}, line {lineno}: malformed record ({e}); each line must be one "
                    'JSON object {"id", "document", "questions": [{"question", "answers"}]}'
                ) from e
    return records
