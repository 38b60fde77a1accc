"""The in-memory LoRA adapter that the hypernetwork produces and the writers save (numpy, no torch)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.core.base import BaseSpec


class AdapterError(Exception):
    """An adapter does not fit its base model, or holds invalid values."""


@dataclass(frozen=True)
class LoraAdapter:
    """A rank-R LoRA on every layer's ``down_proj``: delta_i = scale * B[i] @ A[i].

    A: (L, R, d_ff) float32, B: (L, d_model, R) float32; ``scale`` is Lorafy's
    (applied directly, see engine.core.lora). ``meta`` holds short strings only
    (kind, hypernet id, base sha256...), never source paths or document text.
    """

    A: np.ndarray
    B: np.ndarray
    scale: float
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.A.ndim != 3 or self.B.ndim != 3:
            raise AdapterError(f"A and B must be 3-D (layers, ...), got {self.A.shape} and {self.B.shape}")
        if self.A.shape[0] != self.B.shape[0] or self.A.shape[1] != self.B.shape[2]:
            raise AdapterError(f"A {self.A.shape} and B {self.B.shape} disagree on layers or rank")
        if not (np.isfinite(self.A).all() and np.isfinite(self.B).all()) or not np.isfinite(self.scale):
            raise AdapterError("adapter holds non-finite values")

    @property
    def n_layer(self) -> int:
        return self.A.shape[0]

    @property
    def rank(self) -> int:
        return self.A.shape[1]

    def check_base(self, spec: BaseSpec) -> None:
        """Raise AdapterError unless the shapes match ``spec``'s layers, d_ff and d_model."""
        want_a = (spec.n_layer, self.rank, spec.d_ff)
        want_b = (spec.n_layer, spec.d_model, self.rank)
        if self.A.shape != want_a or self.B.shape != want_b:
            raise AdapterError(f"adapter shapes A {self.A.shape} / B {self.B.shape} do not fit base "
                               f"{spec.name!r} (expected {want_a} / {want_b})")
