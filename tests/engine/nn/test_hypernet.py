"""Hypernetwork shapes, the zero adapter at init, and chunk combination."""
from __future__ import annotations

import pytest
import torch

from engine.core.lora import delta_weight
from engine.nn.d2l import length_groups, make_lora
from engine.nn.hypernet import Hypernet, HypernetConfig, combine_chunks, count_parameters
from engine.nn.model import load_llama


def small_cfg(**kw) -> HypernetConfig:
    return HypernetConfig(n_layer=2, d_model=64, d_ff=128, rank=4, bias_rank=2, latent_dim=32, n_latents=4,
                          n_blocks=1, n_heads=2, **kw)


def test_config_validates():
    with pytest.raises(ValueError):
        small_cfg(chunk_tokens=0)
    with pytest.raises(ValueError):
        HypernetConfig(n_layer=2, d_model=64, d_ff=128, latent_dim=30, n_heads=4)
    assert small_cfg().scale == pytest.approx(2 * 4 ** 1.5)


def test_shapes_for_one_and_many_chunks(tiny_spec):
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg())
    ids = torch.randint(0, 1000, (5, 17))
    mask = torch.ones(5, 17, dtype=torch.bool)
    mask[3, 9:] = False
    lora, A, B = make_lora(base, hn, ids, mask, n_chunks=[1, 4])
    assert A.shape == (5, 2, 4, 128) and B.shape == (5, 2, 64, 4)
    assert lora.A.shape == (2, 2, 2 + 4 * 4, 128) and lora.B.shape == (2, 2, 64, 2 + 4 * 4)


def test_length_groups_cut_padding_and_keep_every_row():
    mask = torch.zeros(6, 10, dtype=torch.bool)
    for i, n in enumerate([10, 3, 9, 2, 3, 10]):
        mask[i, :n] = True
    groups = length_groups(mask.sum(1).tolist(), max_tokens=20)
    assert sorted(i for g in groups for i in g) == list(range(6))
    assert groups[0] == [0, 5] and all(len(g) * int(mask[g[0]].sum()) <= 20 for g in groups)
    assert length_groups(mask.sum(1).tolist(), max_tokens=10**6) == [[0, 5, 2, 1, 4, 3]]


def test_grouped_rows_give_the_same_adapters_and_gradients(tiny_spec):
    """Rows run in length groups (each padded to its own longest row) match one padded call, rows in order."""
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg(skip_head=2, skip_tail=1))
    torch.nn.init.normal_(hn.head_b.weight, std=0.05)  # a non-zero delta
    ids = torch.randint(0, 1000, (5, 17))
    mask = torch.ones(5, 17, dtype=torch.bool)
    for i, n in enumerate([17, 6, 12, 5, 17]):
        mask[i, n:] = False
    grads = []
    for group_tokens in (10**6, 20):
        hn.zero_grad()
        lora, A, B = make_lora(base, hn, ids, mask, n_chunks=[2, 3], group_tokens=group_tokens)
        (lora.A.square().sum() + lora.B.sum()).backward()
        grads.append(hn.in_proj.up.weight.grad.clone())
        if group_tokens == 20:
            assert torch.allclose(A, A1, atol=1e-5) and torch.allclose(B, B1, atol=1e-5)
        A1, B1 = A.detach(), B.detach()
    assert torch.allclose(grads[0], grads[1], atol=1e-5)


def test_fresh_hypernet_gives_zero_delta(tiny_spec):
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg())
    ids = torch.randint(0, 1000, (2, 12))
    lora, _, _ = make_lora(base, hn, ids, torch.ones_like(ids, dtype=torch.bool), [2])
    assert torch.count_nonzero(delta_weight(lora.A, lora.B, lora.scale)) == 0


def test_fresh_hypernet_text_path_gets_a_gradient(tiny_spec):
    """Zero delta at step 0 must not be a saddle: the text-dependent B head gets a gradient from the task loss
    at the very first step (a zero-initialised output scale gave it none, and it never grew)."""
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg())
    ids = torch.randint(0, 1000, (2, 12))
    lora, _, _ = make_lora(base, hn, ids, torch.ones_like(ids, dtype=torch.bool), [1, 1])
    h = base(torch.randint(0, 1000, (2, 6)), lora=lora)
    base.logits(h).logsumexp(-1).mean().backward()
    assert hn.head_b.weight.grad is not None and hn.head_b.weight.grad.abs().max() > 0
    assert hn.bias_b.grad.abs().max() > 0


@pytest.mark.parametrize("skip", [(0, 0), (3, 1)])
def test_padding_does_not_change_a_chunks_adapter(tiny_spec, skip):
    """Training (right-padded rows + mask) and the runtime (one unpadded chunk) see the same content tokens."""
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg(skip_head=skip[0], skip_tail=skip[1]))
    with torch.no_grad():
        hn.head_b.weight.normal_(0.0, 0.05)
        ids = torch.randint(0, 1000, (1, 10))
        hn.calibrate(base(torch.randint(0, 1000, (3, 12)), all_layers=True))
        padded = torch.cat([ids, torch.full((1, 6), 2)], dim=1)
        mask = torch.zeros(1, 16, dtype=torch.bool)
        mask[0, :10] = True
        a1, b1 = hn(base(ids, all_layers=True), None)
        a2, b2 = hn(base(padded, all_layers=True), mask)
    torch.testing.assert_close(a1, a2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(b1, b2, rtol=1e-4, atol=1e-5)


def test_template_tokens_are_not_read(tiny_spec):
    """With skip_head/skip_tail, changing only the tokens after the content leaves the adapter unchanged."""
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg(skip_head=2, skip_tail=2))
    with torch.no_grad():
        hn.head_b.weight.normal_(0.0, 0.05)
        ids = torch.randint(0, 1000, (1, 12))
        other_tail = ids.clone()
        other_tail[0, -2:] = torch.tensor([5, 6])
        other_content = ids.clone()
        other_content[0, 5] = (ids[0, 5] + 1) % 1000
        a1, _ = hn(base(ids, all_layers=True))
        a2, _ = hn(base(other_tail, all_layers=True))
        a3, _ = hn(base(other_content, all_layers=True))
    torch.testing.assert_close(a1, a2)
    assert not torch.allclose(a1, a3)


def test_calibration_standardises_inputs(tiny_spec):
    torch.manual_seed(0)
    base, hn = load_llama(tiny_spec), Hypernet(small_cfg(skip_head=1))
    with torch.no_grad():
        hidden = base(torch.randint(0, 1000, (4, 20)), all_layers=True)
        mask = torch.ones(4, 20, dtype=torch.bool)
        mask[2, 15:] = False
        hn.calibrate(hidden, mask)
        content = torch.cat([hidden[i, :, 1:int(mask[i].sum())] for i in range(4)], dim=1)  # (L, tokens, d)
        z = (content - hn.in_mean[:, None]) / hn.in_std[:, None]
    torch.testing.assert_close(z.mean(1), torch.zeros_like(z.mean(1)), atol=1e-4, rtol=0)
    torch.testing.assert_close(z.std(1, unbiased=False), torch.ones_like(z.mean(1)), atol=1e-3, rtol=0)


def test_combined_chunks_equal_summed_deltas():
    torch.manual_seed(0)
    L, r, f, d = 2, 3, 10, 6
    A, B = torch.randn(3, L, r, f), torch.randn(3, L, d, r)
    bias = (torch.randn(L, 2, f), torch.randn(L, d, 2))
    doc_A, doc_B = combine_chunks(A, B, bias, [1, 2])
    want0 = delta_weight(bias[0], bias[1], 1.0) + delta_weight(A[0], B[0], 1.0)
    want1 = delta_weight(bias[0], bias[1], 1.0) + delta_weight(A[1], B[1], 1.0) + delta_weight(A[2], B[2], 1.0)
    torch.testing.assert_close(delta_weight(doc_A[0], doc_B[0], 1.0), want0)
    torch.testing.assert_close(delta_weight(doc_A[1], doc_B[1], 1.0), want1)


def test_default_size_fits_the_16mb_fp16_budget():
    cfg = HypernetConfig(n_layer=30, d_model=576, d_ff=1536)
    n = count_parameters(Hypernet(cfg))
    assert n * 2 <= 16e6, f"{n} parameters is {n * 2 / 1e6:.1f} MB in fp16"


def copy_pair(tiny_spec, **kw) -> tuple[Hypernet, Hypernet]:
    """A hypernet with 3 copy slots and the same weights without them."""
    torch.manual_seed(0)
    plain = Hypernet(small_cfg(**kw))
    with torch.no_grad():
        plain.head_b.weight.normal_(0.0, 0.05)
    copy = Hypernet(small_cfg(copy_rank=3, **kw))
    missing, unexpected = copy.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("copy_") for k in missing)
    return plain, copy


def test_copy_slots_write_a_convex_mix_of_the_content_embeddings_into_b(tiny_spec):
    """The first ``rank`` slots are the plain hypernet's; with one-hot token embeddings each copy slot's B column
    shows its attention weights: only content tokens (never the template), >= 0, summing to the layer's gain."""
    plain, copy = copy_pair(tiny_spec, skip_head=2, skip_tail=1)
    base = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (1, 12))
    emb = torch.eye(64)[None, :12]  # token t -> basis vector t
    with torch.no_grad():
        copy.copy_gain.copy_(torch.tensor([0.5, 2.0]))
        hidden = base(ids, all_layers=True)
        a0, b0 = plain(hidden)
        a1, b1 = copy(hidden, None, emb)
    assert a1.shape == (1, 2, 4 + 3, 128) and b1.shape == (1, 2, 64, 4 + 3) and copy.cfg.chunk_rank == 7
    torch.testing.assert_close(a1[:, :, :4], a0)
    torch.testing.assert_close(b1[..., :4], b0)
    w = b1[0, :, :, 4:]  # (L, d_model, rc): row t < 12 is token t's weight
    assert torch.count_nonzero(w[:, 12:]) == 0
    assert torch.count_nonzero(w[:, :2]) == 0 and torch.count_nonzero(w[:, 11]) == 0  # template tokens
    assert (w >= 0).all()
    torch.testing.assert_close(w.sum(1), torch.tensor([0.5, 2.0])[:, None].expand(2, 3))
    assert a1[:, :, 4:].abs().max() > 0


def test_copy_slots_need_embeddings_and_agree_padded_and_grouped(tiny_spec):
    _, copy = copy_pair(tiny_spec, skip_head=2, skip_tail=1)
    base = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (1, 10))
    with torch.no_grad():
        hidden = base(ids, all_layers=True)
        with pytest.raises(ValueError, match="emb"):
            copy(hidden)
        copy.copy_gain.fill_(1.0)
        a1, b1 = copy(hidden, None, base.tok_emb(ids))
        padded = torch.cat([ids, torch.full((1, 5), 2)], dim=1)
        mask = torch.zeros(1, 15, dtype=torch.bool)
        mask[0, :10] = True
        a2, b2 = copy(base(padded, all_layers=True), mask, base.tok_emb(padded))
        lora, a3, b3 = make_lora(base, copy, padded, mask, [1])
    for a in (a2, a3):
        torch.testing.assert_close(a1, a, rtol=1e-4, atol=1e-5)
    for b in (b2, b3):
        torch.testing.assert_close(b1, b, rtol=1e-4, atol=1e-5)
    assert lora.A.shape[2] == 2 + 7 and lora.scale == pytest.approx(copy.cfg.scale)  # scale stays 2 * rank^1.5


def test_copy_slots_key_on_the_previous_token(tiny_spec):
    """A copy slot can address "the token after X": changing only token 1 moves token 2's key, not token 3's;
    and A's rows read the mixed predecessors."""
    _, copy = copy_pair(tiny_spec)
    x = torch.randn(2, 5, 32)  # N*L rows
    x2 = x.clone()
    x2[:, 1] += 1.0
    keys = [copy.copy_key(torch.cat([v, torch.nn.functional.pad(v, (0, 0, 1, 0))[:, :-1]], -1)) for v in (x, x2)]
    assert not torch.allclose(keys[0][:, 2], keys[1][:, 2]) and torch.allclose(keys[0][:, 3], keys[1][:, 3])
    lat, lemb = torch.randn(2, 4, 32), torch.randn(2, 1, 32)
    emb = torch.eye(64)[None, :5]
    with torch.no_grad():
        a1, b1, _, gate = copy.copy_slots(lat, lemb, x, None, emb)
        a2, b2, _, _ = copy.copy_slots(lat, lemb, x2, None, emb)
    assert gate is None  # no copy_gate
    assert not torch.allclose(a1, a2) and not torch.allclose(b1, b2)


def test_copy_slots_fit_the_16mb_fp16_budget():
    n = count_parameters(Hypernet(HypernetConfig(n_layer=30, d_model=576, d_ff=1536, copy_rank=8)))
    assert n * 2 <= 16e6, f"{n} parameters is {n * 2 / 1e6:.1f} MB in fp16"


def test_word_starts_add_the_looked_up_tokens_embeddings_with_their_own_gain(tiny_spec):
    """copy_start: B's copy columns = gain * mix of the tokens' embeddings + gain_start * the same mix of their
    word-starts' embeddings; the attention (and A) are the plain copy slots'."""
    _, copy = copy_pair(tiny_spec)
    start = Hypernet(small_cfg(copy_rank=3, copy_start=True, vocab_size=tiny_spec.vocab_size))
    missing, _ = start.load_state_dict(copy.state_dict(), strict=False)
    assert sorted(missing) == ["copy_gain_start", "copy_start_ids"]
    base = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (1, 9))
    table = torch.arange(tiny_spec.vocab_size)
    table[ids[0, 4]] = 7  # one token's word start is token 7
    start.set_word_starts(table)
    with torch.no_grad():
        copy.copy_gain.fill_(1.0)
        start.copy_gain.fill_(1.0)
        start.copy_gain_start.fill_(0.0)
        hidden = base(ids, all_layers=True)
        a0, b0 = copy(hidden, None, copy.copy_embeddings(base.tok_emb, ids))
        emb = start.copy_embeddings(base.tok_emb, ids)
        assert emb.shape == (1, 9, 128) and torch.equal(emb[0, 4, 64:], base.tok_emb.weight[7])
        a1, b1 = start(hidden, None, emb)
        torch.testing.assert_close(a1, a0)
        torch.testing.assert_close(b1, b0)  # gain_start 0: exactly the plain copy slots
        start.copy_gain.fill_(0.0)
        start.copy_gain_start.fill_(1.0)
        _, b_start = start(hidden, None, emb)
        _, b_want = copy(hidden, None, base.tok_emb(table[ids]))  # the same mix of the word-start embeddings
    torch.testing.assert_close(b_start[..., 4:], b_want[..., 4:])
    assert not torch.allclose(b_start[..., 4:], b0[..., 4:])
    with pytest.raises(ValueError, match="copy_start"):
        small_cfg(copy_start=True, vocab_size=100)  # no copy slots
    with pytest.raises(ValueError, match="does not fit"):
        start.set_word_starts(torch.arange(5))


def test_pointer_loss_trains_the_copy_attention_and_agrees_padded(tiny_spec):
    from engine.nn.d2l import chunk_adapters

    _, copy = copy_pair(tiny_spec, skip_head=2, skip_tail=1)
    base = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (1, 10))
    targets = torch.zeros(1, 10, dtype=torch.bool)
    targets[0, [4, 6]] = True
    hidden = base(ids, all_layers=True).detach()
    a, b, sup = copy(hidden, None, copy.copy_embeddings(base.tok_emb, ids), targets)
    assert sup.shape == (1, 2) and sup[0, 1] == 0  # no gate: no gate loss
    nll = sup[:, 0]
    assert nll.item() > 0
    nll.sum().backward()
    assert copy.copy_key.weight.grad.abs().sum() > 0 and copy.copy_query.weight.grad.abs().sum() > 0
    assert copy.head_b.weight.grad is None or copy.head_b.weight.grad.abs().sum() == 0  # only the attention learns
    padded = torch.cat([ids, torch.full((1, 4), 2)], dim=1)
    mask = torch.zeros(1, 14, dtype=torch.bool)
    mask[0, :10] = True
    with torch.no_grad():
        a2, b2, nll2 = chunk_adapters(base, copy, padded, mask, copy_targets=torch.cat([targets, torch.zeros(1, 4, dtype=torch.bool)], 1))
    torch.testing.assert_close(nll2[:, 0], nll.detach(), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(b2, b.detach(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="copy_targets"):
        Hypernet(small_cfg())(hidden, None, None, targets)


def test_copy_gate_scales_only_the_copy_columns_and_learns_from_answer_free_chunks(tiny_spec):
    """copy_gate: the copy slots' B columns are scaled by sigmoid(gate) (0.95 at init, ~0 when closed); the
    latent slots and A do not change; the gate's cross-entropy is low where it agrees with "an answer starts
    here", and its gradient reaches the gate."""
    _, copy = copy_pair(tiny_spec, skip_head=2, skip_tail=1)
    gated = Hypernet(small_cfg(copy_rank=3, copy_gate=True, skip_head=2, skip_tail=1))
    missing, _ = gated.load_state_dict(copy.state_dict(), strict=False)
    assert sorted(missing) == ["copy_gate.bias", "copy_gate.weight"]
    base = load_llama(tiny_spec)
    ids = torch.randint(0, 1000, (2, 10))
    with torch.no_grad():
        copy.copy_gain.fill_(1.0)
        gated.copy_gain.fill_(1.0)
        hidden = base(ids, all_layers=True)
        emb = base.tok_emb(ids)
        a0, b0 = copy(hidden, None, emb)
        a1, b1 = gated(hidden, None, emb)
        torch.testing.assert_close(a1, a0)
        torch.testing.assert_close(b1[..., :4], b0[..., :4])
        torch.testing.assert_close(b1[..., 4:], b0[..., 4:] * torch.sigmoid(torch.tensor(3.0)))
        gated.copy_gate.bias.fill_(-30.0)
        _, closed = gated(hidden, None, emb)
    assert closed[..., 4:].abs().max() < 1e-9 * b0[..., 4:].abs().max() + 1e-12
    torch.testing.assert_close(closed[..., :4], b0[..., :4])
    with pytest.raises(ValueError, match="copy_gate"):
        small_cfg(copy_gate=True)  # no copy slots
    targets = torch.zeros(2, 10, dtype=torch.bool)
    targets[0, 5] = True  # row 0 holds an answer, row 1 none
    gated.copy_gate.bias.data.fill_(3.0)
    _, _, sup = gated(hidden, None, emb, targets)
    assert sup.shape == (2, 2)
    assert sup[0, 1].item() == pytest.approx(float(-torch.nn.functional.logsigmoid(torch.tensor(3.0))), rel=1e-4)
    assert sup[1, 1].item() == pytest.approx(float(-torch.nn.functional.logsigmoid(torch.tensor(-3.0))), rel=1e-4)
    sup[:, 1].sum().backward()
    assert gated.copy_gate.bias.grad.item() > 0  # more answer-free rows here: the gate is pushed closed
