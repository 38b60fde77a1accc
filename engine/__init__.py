"""Lorafy's engine: base model, hypernetwork, LoRA math, training, evaluation and the llama.cpp runtime.

Modules that import torch (model, hypernet, d2l, train, ...) are for training and
export only; the inference path (base, prompts, onnx_hypernet, runtime, ...) is torch-free.
"""
