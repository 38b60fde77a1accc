"""Copy gate on every chunk of a 32k-token haystack, plain and docstring-prose filler (torch, CPU): the numbers in gate_diag.json["all_chunks_32k"].

Usage (repository root): python docs/results/copy_gate/gate_diag.py HYPERNET_DIR OUT.json
"""
import json
import sys

import torch

from engine.core.base import load_base
from engine.core.prompts import PromptFormat, wrap_chunks
from engine.data.needle import needle_set
from engine.nn.model import load_llama
from engine.train.checkpoint import load_hypernet
from engine.train.loop import hf_tokenizer

spec = load_base(None); tok = hf_tokenizer(spec); fmt = PromptFormat(spec.chat_template)
hn, _ = load_hypernet(sys.argv[1], spec.sha256); hn = hn.float().eval()
base = load_llama(spec)
cap = {}
orig = hn.copy_slots
def spy(*a, **k):
    out = orig(*a, **k); cap["g"] = out[3]; return out
hn.copy_slots = spy
report = {}
with torch.no_grad():
    for prose in (False, True):
        rec = needle_set(32768, 1, 21, prose=prose, count_tokens=lambda s: len(tok(s)), split="test")[3]
        chunks = wrap_chunks(fmt, tok, tok(rec.document), hn.cfg.chunk_tokens)
        value = rec.questions[0].answers[0]
        needle = len(tok(rec.document[:rec.document.index(value)])) // hn.cfg.chunk_tokens
        gates = []
        for c in chunks:
            ids = torch.tensor([c])
            hn(base(ids, all_layers=True), None, hn.copy_embeddings(base.tok_emb, ids))
            gates.append(torch.sigmoid(cap["g"][0]).mean().item())
        others = [g for i, g in enumerate(gates) if i != needle]
        row = {"prose": prose, "record": rec.id, "chunks": len(chunks), "needle_chunk": needle, "needle_gate": gates[needle],
               "other_gate_mean": sum(others) / len(others), "other_gate_max": max(others),
               "others_above_0.5": sum(g > 0.5 for g in others), "other_gate_sum": sum(others), "gates": gates}
        print(json.dumps({k: v for k, v in row.items() if k != "gates"})); report["prose" if prose else "plain"] = row
json.dump(report, open(sys.argv[2], "w"), indent=1)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(6.5, 3.2), dpi=120)
for key, color, label in (("plain", "#3e7cb1", "reference filler"), ("prose", "#e07a1f", "docstring prose filler")):
    r = report[key]
    ax.plot(range(len(r["gates"])), r["gates"], "o-", ms=2.5, lw=1, color=color,
            label=f"{label}: others sum {r['other_gate_sum']:.2f}")
    ax.annotate("needle", (r["needle_chunk"], r["needle_gate"]), textcoords="offset points", xytext=(8, -4), fontsize=7)
ax.set_xlabel("chunk of a 32k-token haystack (512 tokens each)")
ax.set_ylabel("copy gate (mean over layers, slots)")
ax.set_ylim(-0.02, 1.05)
ax.set_title("v12 copy gate per chunk (torch, CPU)", fontsize=9)
ax.legend(fontsize=7, loc="center right")
fig.tight_layout()
fig.savefig(sys.argv[2].replace(".json", ".png"))
