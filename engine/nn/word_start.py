"""Word-start token table: for each token that begins a word after a space, the token that starts the same word at the start of a text.

A document writes a name after a space (" Zur" "ab"), an answer starts with it ("Z" "ur" "ab"):
in SmolLM2's vocabulary the two first tokens differ for every name. The hypernetwork's copy slots
write copied tokens' embeddings into B, so they can only write what the document holds; with
``HypernetConfig.copy_start`` they also write the word-start form, looked up in this table.
Measured on the fact generators' names: the table's token is the answer's first token for 92-100%
of them (``tests/engine/test_word_start.py`` checks SmolLM2's "Devika" and "Zurab").
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Tokenize = Callable[[str], list[int]]
SPACE_MARKS = ("\u0120", "\u2581")  # byte-level BPE's "Ġ" (GPT-2, SmolLM2, Llama 3) and SentencePiece's "▁"


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet, character -> byte (the inverse of its ``bytes_to_unicode``)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, n = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(keep, chars)}


def token_text(token: str) -> str | None:
    """The text a vocabulary entry stands for (byte-level or SentencePiece form); None if it is not plain text.

    >>> token_text("\u0120Zur"), token_text("\u2581Dev"), token_text("ab")
    (' Zur', ' Dev', 'ab')
    """
    if token.startswith(SPACE_MARKS[1]):
        return " " + token[1:].replace(SPACE_MARKS[1], " ")
    dec = _byte_decoder()
    if not all(ch in dec for ch in token):
        return token
    try:
        return bytes(dec[ch] for ch in token).decode("utf-8")
    except UnicodeDecodeError:  # a piece of a multi-byte character
        return None


def word_start_table(tokens: Sequence[str], tokenize: Tokenize) -> np.ndarray:
    """(vocab,) int64: for a token " word...", the first token of "word..." tokenized alone; others map to themselves."""
    table = np.arange(len(tokens), dtype=np.int64)
    for i, tok in enumerate(tokens):
        text = token_text(tok)
        if text is None or len(text) < 2 or text[0] != " " or not text[1].isalnum():
            continue
        ids = tokenize(text[1:])
        if ids:
            table[i] = ids[0]
    return table


def gguf_tokens(path: Path) -> list[str]:
    """The vocabulary (``tokenizer.ggml.tokens``) of a GGUF file."""
    from gguf import GGUFReader

    field = GGUFReader(path).fields["tokenizer.ggml.tokens"]
    return [bytes(field.parts[i]).decode("utf-8", errors="replace") for i in field.data]
