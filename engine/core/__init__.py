"""The torch-free core: base model spec, GGUF weights, chat prompts, LoRA math, adapter files, atomic writes, the llama.cpp loader."""
