"""Prompt wording and chunking shared by training and the runtime, so both see identical tokens (no torch).

Chat text is rendered with the base model's own Jinja chat template from its
GGUF metadata. Three prompt shapes exist:
- encoder input: one chunk of a document as a user turn (what the hypernetwork reads);
- question: the question alone as a user turn (base and adapter modes);
- in-context: the document, then the question, as one user turn (the ICL baseline).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

Tokenize = Callable[[str], list[int]]  # text -> ids, special tokens parsed, no BOS added


def render_chat(template: str, messages: Sequence[dict], add_generation_prompt: bool) -> str:
    """Render messages with a Jinja chat template the way Hugging Face does (sandboxed)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    if not template:
        raise ValueError("the base model has no chat template in its GGUF metadata")
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                            bos_token="", eos_token="")


def in_context_prompt(document: str, question: str) -> str:
    """The user-turn text of the in-context baseline: the document, then the question."""
    return f"Read the document, then answer the question.\n\nDocument:\n{document}\n\nQuestion: {question}"


@dataclass(frozen=True)
class PromptFormat:
    """The three prompt shapes for one chat template."""

    template: str

    def question(self, question: str, system: str | None = None) -> str:
        msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]
        return render_chat(self.template, msgs, add_generation_prompt=True)

    def in_context(self, document: str, question: str) -> str:
        return self.question(in_context_prompt(document, question))

    def chunk_wrapper(self) -> tuple[str, str]:
        """(prefix, suffix) around a chunk's text in the encoder input (a user turn, no reply)."""
        marker = "\x00CHUNK\x00"
        text = render_chat(self.template, [{"role": "user", "content": marker}], add_generation_prompt=False)
        prefix, _, suffix = text.partition(marker)
        return prefix, suffix


def split_ids(ids: Sequence[int], chunk_tokens: int, min_tokens: int = 1) -> list[list[int]]:
    """Split ``ids`` into pieces of ``chunk_tokens``; a tail shorter than ``min_tokens`` joins the previous piece.

    >>> split_ids(list(range(10)), 4, min_tokens=3)
    [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]
    """
    if chunk_tokens <= 0:
        raise ValueError("chunk_tokens must be positive")
    pieces = [list(ids[i:i + chunk_tokens]) for i in range(0, len(ids), chunk_tokens)]
    if len(pieces) > 1 and len(pieces[-1]) < min_tokens:
        tail = pieces.pop()
        pieces[-1].extend(tail)
    return pieces


def wrapper_ids(fmt: PromptFormat, tokenize: Tokenize) -> tuple[list[int], list[int]]:
    """Token ids of the (prefix, suffix) that wrap a chunk's content in the encoder input."""
    prefix, suffix = fmt.chunk_wrapper()
    return tokenize(prefix), tokenize(suffix)


def wrap_chunks(fmt: PromptFormat, tokenize: Tokenize, content: Sequence[int], chunk_tokens: int,
                min_tokens: int = 25) -> list[list[int]]:
    """Encoder inputs for already-tokenized ``content``: split into chunks, each wrapped as a user turn."""
    if not content:
        raise ValueError("cannot teach an empty text")
    pre, suf = wrapper_ids(fmt, tokenize)
    return [pre + piece + suf for piece in split_ids(content, chunk_tokens, min_tokens)]


def encode_chunks(fmt: PromptFormat, tokenize: Tokenize, text: str, chunk_tokens: int,
                  min_tokens: int = 25) -> list[list[int]]:
    """Token ids of every encoder input for ``text``: its content split into chunks, each wrapped as a user turn."""
    if not text.strip():
        raise ValueError("cannot teach an empty text")
    return wrap_chunks(fmt, tokenize, tokenize(text), chunk_tokens, min_tokens)
