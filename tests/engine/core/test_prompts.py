"""Prompt shapes from a chat template: the chunk wrapper, the end of a turn, and chunking shared with training."""
from __future__ import annotations

from engine.core.prompts import MIN_CHUNK_TOKENS, PromptFormat, split_ids

CHATML = ("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
LLAMA3 = ("{% for m in messages %}{{'<|start_header_id|>' + m['role'] + '<|end_header_id|>\n\n' + m['content'] + "
          "'<|eot_id|>'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")


def test_chunk_wrapper_is_a_user_turn():
    assert PromptFormat(CHATML).chunk_wrapper() == ("<|im_start|>user\n", "<|im_end|>\n")


def test_end_of_turn_comes_from_the_template():
    assert PromptFormat(CHATML).end_of_turn() == "<|im_end|>"
    assert PromptFormat(LLAMA3).end_of_turn() == "<|eot_id|>"


def test_embedded_base_ends_turns_with_im_end(embedded_spec):
    assert PromptFormat(embedded_spec.chat_template).end_of_turn() == "<|im_end|>"


def test_training_and_the_runtime_cut_chunks_alike():
    from engine.train.batches import BatchConfig

    assert BatchConfig().min_chunk_tokens == MIN_CHUNK_TOKENS == 25
    assert [len(p) for p in split_ids(list(range(512 + 24)), 512, MIN_CHUNK_TOKENS)] == [536]
    assert [len(p) for p in split_ids(list(range(512 + 25)), 512, MIN_CHUNK_TOKENS)] == [512, 25]
