"""The word-start table: a token written after a space -> the token that starts the same word at a text's start."""
from __future__ import annotations

import pytest

from engine.nn.word_start import gguf_tokens, token_text, word_start_table


@pytest.fixture(scope="module")
def tokenize_embedded(embedded_spec):
    from engine.core.llama_load import load_vocab

    llm = load_vocab(embedded_spec.path)
    return lambda text: llm.tokenize(text.encode(), add_bos=False, special=False)


def test_token_text_reads_byte_level_and_sentencepiece_forms():
    assert token_text("\u0120Zur") == " Zur"
    assert token_text("\u2581Dev") == " Dev"
    assert token_text("ab") == "ab"
    assert token_text("\u010a") == "\n"  # byte-level newline
    assert token_text("\u00e2\u0122") is None  # half of a multi-byte character


def test_embedded_base_table_maps_names_to_their_answer_first_token(embedded_spec, tokenize_embedded):
    """For SmolLM2 a name's first token differs at a text's start and after a space; the table bridges it."""
    tokens = gguf_tokens(embedded_spec.path)
    assert len(tokens) == embedded_spec.vocab_size
    table = word_start_table(tokens, tokenize_embedded)
    for name in ("Devika Tehrani", "Zurab Pillai", "Theodora Eriksen"):
        in_doc = tokenize_embedded(" " + name)[0]
        at_start = tokenize_embedded(name)[0]
        assert in_doc != at_start
        assert table[in_doc] == at_start, name
    for text in ("4417", "abc", "."):  # tokens without a leading space map to themselves
        t = tokenize_embedded(text)[0]
        assert table[t] == t
    space = tokenize_embedded(" ")[0]
    assert table[space] == space
