"""The torch modules: the llama base in torch, the hypernetwork, Doc-to-LoRA glue and the word-start table."""
