"""Lorafy's engine, one sub-package per role; imports only flow down this list.

- ``core``: base model spec, GGUF weights, chat prompts, LoRA math, adapter files, the llama.cpp loader (no torch)
- ``data``: offline, seeded generators of training and evaluation records (no torch)
- ``infer``: the ONNX hypernetwork and the llama.cpp runtime: the user's path (no torch)
- ``eval``: evaluation runners, reports and plots (no torch)
- ``nn``: the torch modules (llama in torch, the hypernetwork, Doc-to-LoRA glue)
- ``train``: meta-training (batches, losses, checkpoints, the loop, its configs)
- ``research``: probes and comparisons run by hand; nothing else imports them
"""
