"""Multi-turn chat shared by the app, `lorafy chat` and the server: earlier turns in the prompt (oldest dropped first to fit), and the text that chooses memories and sources.

Qt-free, torch-free, pure: the caller passes the base's chat template and a
tokenizer. A conversation is a list of ``{"role", "content"}`` messages
(system, user, assistant) ending with the user's new question.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from engine.core.prompts import in_context_prompt, render_chat

AUTO_TURNS = 3  # the question and the exchange before it choose memories and sources


@dataclass(frozen=True)
class ChatPlan:
    """A conversation made ready for the model's next answer."""

    prompt: str  # the kept messages rendered with the chat template, ready for the assistant's turn
    messages: tuple[dict, ...]  # the messages that fit
    dropped: int  # earlier messages left out (oldest first) so the prompt leaves room for the answer
    question: str  # the last user message
    query: str  # the question plus the turns before it: what auto mode and sources match against
    prompt_tokens: int


def check_messages(messages: Sequence[dict]) -> list[dict]:
    """Plain {role, content} copies; raises ValueError unless the list is non-empty, each with a role and text."""
    out = []
    for m in messages:
        role, content = m.get("role"), m.get("content")
        if not isinstance(role, str) or not role or not isinstance(content, str):
            raise ValueError(f"each message needs a role and text content; got {m!r:.80}")
        out.append({"role": role, "content": content})
    if not out:
        raise ValueError("a conversation needs at least one message")
    return out


def query_text(messages: Sequence[dict], turns: int = AUTO_TURNS) -> str:
    """The last user message, preceded by the ``turns - 1`` user/assistant messages before it (newest last).

    >>> query_text([{"role": "user", "content": "Who built the bridge?"},
    ...             {"role": "assistant", "content": "Ada Moss."}, {"role": "user", "content": "When?"}])
    'Who built the bridge?\\nAda Moss.\\nWhen?'
    """
    talk = [m["content"] for m in messages if m["role"] != "system"]
    return "\n".join(talk[-turns:])


def fit_messages(messages: Sequence[dict], fits: Callable[[Sequence[dict]], bool]) -> tuple[list[dict], int]:
    """The newest messages for which ``fits`` holds, and how many were dropped.

    System messages and the last message always stay; the oldest others go first, and a reply whose
    question was dropped goes with it (the kept part starts at a user turn). If even the minimum does
    not fit it is returned anyway (the caller reports the overflow).

    >>> msgs = [{"role": "user", "content": c} if i % 2 == 0 else {"role": "assistant", "content": c}
    ...         for i, c in enumerate(["a", "b", "c", "d", "e"])]
    >>> kept, dropped = fit_messages(msgs, lambda m: len(m) <= 3)
    >>> [m["content"] for m in kept], dropped
    (['c', 'd', 'e'], 2)
    """
    msgs = list(messages)
    system = [m for m in msgs[:-1] if m["role"] == "system"]
    talk = [m for m in msgs[:-1] if m["role"] != "system"]
    last = msgs[-1:]
    dropped = 0
    while talk and not fits(system + talk + last):
        talk.pop(0)
        dropped += 1
        while talk and talk[0]["role"] != "user":
            talk.pop(0)
            dropped += 1
    return system + talk + last, dropped


def plan_chat(template: str, messages: Sequence[dict], tokenize: Callable[[str], list[int]], budget: int) -> ChatPlan:
    """Render ``messages`` for the next answer within ``budget`` prompt tokens (older turns dropped first)."""
    msgs = check_messages(messages)
    render = lambda ms: render_chat(template, ms, add_generation_prompt=True)  # noqa: E731
    kept, dropped = fit_messages(msgs, lambda ms: len(tokenize(render(ms))) <= budget)
    prompt = render(kept)
    users = [m["content"] for m in kept if m["role"] == "user"]
    return ChatPlan(prompt=prompt, messages=tuple(kept), dropped=dropped,
                    question=users[-1] if users else kept[-1]["content"], query=query_text(kept),
                    prompt_tokens=len(tokenize(prompt)))


def with_passages(messages: Sequence[dict], passages: str) -> list[dict]:
    """``messages`` with the last user turn asking about ``passages`` (the in-context prompt: passages, then the
    question); earlier turns are kept as they were, so the passages never pile up across turns.

    >>> with_passages([{"role": "user", "content": "When?"}], "The bridge opened in 1932.")[-1]["content"].splitlines()[-1]
    'Question: When?'
    """
    msgs = check_messages(messages)
    last = max(i for i, m in enumerate(msgs) if m["role"] == "user") if any(m["role"] == "user" for m in msgs) else None
    if last is None:
        raise ValueError("a conversation needs a user message to put passages beside")
    msgs[last] = {"role": "user", "content": in_context_prompt(passages, msgs[last]["content"])}
    return msgs
