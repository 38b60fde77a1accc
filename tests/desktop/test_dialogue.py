"""Multi-turn chat shared by the app, `lorafy chat` and the server: earlier turns in the prompt, oldest dropped first."""
from __future__ import annotations

import pytest

from desktop.dialogue import fit_messages, plan_chat, query_text

BRIDGE = [{"role": "user", "content": "Who built the Harbour Bridge in Tallinn?"},
          {"role": "assistant", "content": "The Harbour Bridge in Tallinn was built by the engineer Maria Kask in 1921."},
          {"role": "user", "content": "When was it built?"}]


def words(text: str) -> list[int]:
    return list(range(len(text.split())))


def turns(n: int) -> list[dict]:
    return [{"role": ("user", "assistant")[i % 2], "content": f"turn{i} " + "word " * 10} for i in range(n)]


def test_earlier_turns_are_rendered_in_order_before_the_question(tiny_spec):
    plan = plan_chat(tiny_spec.chat_template, BRIDGE, words, budget=10_000)
    assert plan.dropped == 0 and list(plan.messages) == BRIDGE
    at = [plan.prompt.index(m["content"]) for m in BRIDGE]
    assert at == sorted(at)
    assert plan.prompt.endswith("<|im_start|>assistant\n")
    assert plan.question == "When was it built?"
    assert "Maria Kask" in plan.query and plan.query.endswith("When was it built?")


def test_a_full_window_drops_the_oldest_turns_first(tiny_spec):
    msgs = [{"role": "system", "content": "Be brief."}] + turns(9)
    full = len(words(plan_chat(tiny_spec.chat_template, msgs, words, budget=10_000).prompt))
    plan = plan_chat(tiny_spec.chat_template, msgs, words, budget=full - 15)
    assert 0 < plan.dropped < 9
    assert len(words(plan.prompt)) <= full - 15
    kept = [m["content"] for m in plan.messages]
    assert kept[0] == "Be brief."  # the system message stays
    assert kept[1:] == [m["content"] for m in msgs[1 + plan.dropped:]]  # a contiguous newest tail
    assert plan.messages[1]["role"] == "user"  # never a reply without its question
    assert "turn0" not in plan.prompt and "turn8" in plan.prompt
    tight = plan_chat(tiny_spec.chat_template, msgs, words, budget=1)  # the question alone is still returned
    assert [m["content"] for m in tight.messages] == ["Be brief.", msgs[-1]["content"]] and tight.dropped == 8


def test_fit_keeps_everything_that_fits_and_query_uses_the_last_turns():
    msgs = turns(5)
    assert fit_messages(msgs, lambda m: True) == (msgs, 0)
    assert query_text(msgs, turns=2) == f"{msgs[3]['content']}\n{msgs[4]['content']}"
    assert query_text([{"role": "system", "content": "x"}] + msgs[:1]) == msgs[0]["content"]
    with pytest.raises(ValueError, match="role"):
        plan_chat("{{ messages }}", [{"role": "user"}], words, budget=10)


@pytest.fixture(scope="module")
def real_svc(tmp_path_factory):
    from desktop.service import Lorafy, ServiceConfig

    svc = Lorafy(ServiceConfig(home=tmp_path_factory.mktemp("home"), threads=2, n_gpu_layers=0, use_gpu=False))
    yield svc
    svc.close()


def answer(svc, messages: list[dict], max_tokens: int = 32) -> str:
    return "".join(svc.generate(svc.chat_plan(messages, max_tokens).prompt, [], max_tokens=max_tokens)).strip()


@pytest.mark.real_base
def test_real_base_answers_a_follow_up_only_with_the_earlier_turn(real_svc):
    assert "1921" in answer(real_svc, BRIDGE)
    assert "1921" not in answer(real_svc, BRIDGE[-1:])


@pytest.mark.real_base
def test_real_base_follow_up_on_its_own_generated_answer(real_svc):
    msgs = [{"role": "user", "content": "My sister's name is Priya and she lives in Lisbon."}]
    msgs.append({"role": "assistant", "content": answer(real_svc, msgs, 48)})
    follow = {"role": "user", "content": "Which city does my sister live in?"}
    assert "Lisbon" in answer(real_svc, msgs + [follow])
    assert "Lisbon" not in answer(real_svc, [follow])
