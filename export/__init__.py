"""Writers that turn an in-memory LoraAdapter into files other tools load: GGUF (llama.cpp) and PEFT."""
