"""Torch-free inference: the ONNX hypernetwork (text -> adapter) and the llama.cpp runtime (adapter -> answers)."""
