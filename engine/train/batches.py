"""Turn (document, questions) records into padded training tensors: encoder chunks, student and teacher rows."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import torch

from engine.core.prompts import MIN_CHUNK_TOKENS, PromptFormat, Tokenize, split_ids, wrapper_ids
from engine.data.records import Record
from engine.data.skills import NOOP_KIND


@dataclass(frozen=True)
class BatchConfig:
    """How records become a batch."""

    chunk_tokens: int = 512  # longest chunk (content tokens)
    min_chunk_tokens: int = MIN_CHUNK_TOKENS
    max_chunks: int = 8  # random 1..max_chunks chunks per document (D2L's curriculum)
    needle_max_chunks: int | None = None  # needles may be cut finer, so sums of many chunks are trained (None: max_chunks)
    questions_per_doc: int = 4
    pad_id: int = 2
    answer_suffix: str = "<|im_end|>"
    answer_space: bool = False  # answers of copied kinds that start with a letter are targets after a space (below)
    student_context_frac: float = 0.0  # share of questions of copied kinds whose student row also reads the text
    max_qa_chars: int = 600  # longer question + target pairs are left out of training (see build_batch)
    teacher_max_chars: int = 16384  # a teacher row reads at most this much of the document (about 8 chunks of 512 tokens)

    def __post_init__(self) -> None:
        if not 0.0 <= self.student_context_frac <= 1.0:
            raise ValueError("student_context_frac must be in [0, 1]")
        if not 0 < self.min_chunk_tokens <= self.chunk_tokens:
            raise ValueError("need 0 < min_chunk_tokens <= chunk_tokens")
        if self.max_chunks < 1 or self.questions_per_doc < 1 or (self.needle_max_chunks is not None and self.needle_max_chunks < 1):
            raise ValueError("max_chunks, needle_max_chunks and questions_per_doc must be >= 1")


@dataclass
class Batch:
    """Tensors of one step; P answer positions over Q question rows of N documents with C chunks."""

    chunk_ids: torch.Tensor  # (C, Tc) long
    chunk_mask: torch.Tensor  # (C, Tc) bool
    n_chunks: list[int]  # chunks per document, len N
    student_ids: torch.Tensor  # (Q, Ts) long: question prompt + answer
    teacher_ids: torch.Tensor  # (Q, Tt) long: in-context prompt + answer
    s_rows: torch.Tensor  # (P,) student row of each answer position
    s_cols: torch.Tensor  # (P,) position predicting the answer token
    t_rows: torch.Tensor
    t_cols: torch.Tensor
    targets: torch.Tensor  # (P,) answer token ids
    q_of_pos: torch.Tensor  # (P,) question index
    doc_of_q: torch.Tensor  # (Q,) document index
    kl_mask: torch.Tensor  # (P,) bool: distil from the teacher at this position
    ce_mask: torch.Tensor  # (P,) bool: cross-entropy on the target here (off for no-op skills: distil only)
    copy_targets: torch.Tensor | None = None  # (C, Tc) bool: chunk tokens where an answer starts (answer_starts)
    student_lens: torch.Tensor | None = None  # (Q,) long: unpadded length of each student row
    teacher_lens: torch.Tensor | None = None  # (Q,) long: unpadded length of each teacher row

    def to(self, device: torch.device | str, non_blocking: bool = False) -> "Batch":
        return Batch(**{k: v.to(device, non_blocking=non_blocking) if isinstance(v, torch.Tensor) else v
                        for k, v in self.__dict__.items()})


def random_chunks(ids: list[int], cfg: BatchConfig, rng: random.Random, max_chunks: int | None = None) -> list[list[int]]:
    """Split a document's content ids into a random number of chunks (each >= min_chunk_tokens, at most
    ``max_chunks`` unless the length forces more; default ``cfg.max_chunks``)."""
    n = len(ids)
    need = -(-n // cfg.chunk_tokens)  # chunks forced by the length limit
    most = max(need, min(max_chunks or cfg.max_chunks, n // cfg.min_chunk_tokens))
    k = rng.randint(need, max(need, most))
    if k <= 1:
        return split_ids(ids, cfg.chunk_tokens, cfg.min_chunk_tokens)
    for _ in range(20):
        cuts = sorted(rng.sample(range(1, n), k - 1))
        bounds = [0, *cuts, n]
        sizes = [b - a for a, b in zip(bounds, bounds[1:])]
        if min(sizes) >= cfg.min_chunk_tokens and max(sizes) <= cfg.chunk_tokens:
            return [ids[a:b] for a, b in zip(bounds, bounds[1:])]
    return split_ids(ids, -(-n // k), cfg.min_chunk_tokens)


COPIED_KINDS = ("facts", "needle", "realtext")  # records whose answers are spans of the document
DISTILLED_KINDS = ("facts", "realtext")  # KL from the base reading the document (needles, skills: CE only)


def context_for(document: str, answer: str, max_chars: int) -> str:
    """The text a student row reads with ``BatchConfig.student_context_frac``: the whole document when it has at
    most ``max_chars`` characters, else the paragraph holding the first occurrence of ``answer`` (the first one
    when the answer is not written in the document) and its neighbours while they fit in ``max_chars``.

    >>> context_for("Intro.\\n\\nThe port is 8080.\\n\\nOutro.", "8080", 20)
    'The port is 8080.'
    """
    if len(document) <= max_chars:
        return document
    paras = [p for p in document.split("\n\n") if p.strip()]
    at = next((i for i, p in enumerate(paras) if answer in p), 0)
    if len(paras[at]) > max_chars:  # one paragraph longer than the window (a haystack, an unbroken manual page)
        return char_window(paras[at], answer, max_chars)
    lo, hi, size = at, at + 1, len(paras[at])
    while True:  # grow the window by whole paragraphs, after the answer first, while it fits
        grown = False
        for j in (hi, lo - 1):
            if 0 <= j < len(paras) and size + len(paras[j]) + 2 <= max_chars:
                size += len(paras[j]) + 2
                lo, hi = min(lo, j), max(hi, j + 1)
                grown = True
        if not grown:
            break
    return "\n\n".join(paras[lo:hi])


def char_window(text: str, answer: str, max_chars: int) -> str:
    """At most ``max_chars`` of ``text`` around the first occurrence of ``answer`` (its start when absent), cut at
    spaces so that no word is split.

    >>> char_window("aa bb cc dd ee ff gg", "dd", 8)
    'cc dd ee'
    """
    if len(text) <= max_chars:
        return text
    at = max(text.find(answer), 0)
    lo = max(0, min(at + len(answer) // 2 - max_chars // 2, len(text) - max_chars))
    hi = lo + max_chars
    raw = text[lo:hi]
    if lo > 0 and text[lo - 1] != " ":  # the word cut in two at the start is left out
        lo = text.find(" ", lo, hi) + 1 or lo
    if hi < len(text) and text[hi] != " " and text.rfind(" ", lo, hi) > lo:  # and the one cut at the end
        hi = text.rfind(" ", lo, hi)
    return text[lo:hi].strip() or raw


def answer_space(kind: str, target: str, on: bool) -> bool:
    """Whether a target is trained as written after a space (" Zurab Pillai"): when ``on``
    (``BatchConfig.answer_space``), for answers copied from the document that start with a letter. SmolLM2 splits a word differently at the start
    of a text ("Z" "ur" "ab") than after a space (" Zur" "ab", as the document has it), so a bare name's tokens
    are not the document's and cannot be copied; digits are split alike either way and stay bare. The teacher
    (the document in the prompt) would start such an answer bare, so the spaced first token is not distilled.
    Answers are scored by containment, so the leading space costs nothing."""
    return on and kind in COPIED_KINDS and target[:1].isalpha()


def answer_forms(answers: Sequence[str], tokenize: Tokenize) -> list[list[int]]:
    """The token sequences an answer has inside a document: as written alone and after a space (a bare space
    token in front, as digits get in SmolLM2, is dropped: the answer starts after it)."""
    space = tokenize(" ")
    forms: list[list[int]] = []
    for text in answers:
        spaced = tokenize(" " + text)
        if space and spaced[:len(space)] == space:
            spaced = spaced[len(space):]
        for form in (tokenize(text), spaced):
            if form and form not in forms:
                forms.append(form)
    return forms


def answer_starts(ids: Sequence[int], forms: Sequence[Sequence[int]]) -> list[int]:
    """Sorted positions in ``ids`` where one of ``forms`` occurs in full (its first token's position)."""
    ids = list(ids)
    out = {i for f in forms for i in range(len(ids) - len(f) + 1) if ids[i] == f[0] and ids[i:i + len(f)] == list(f)}
    return sorted(out)


def length_groups(lens: Sequence[int], max_groups: int) -> list[list[int]]:
    """Split row indices into at most ``max_groups`` groups of similar length, so that padding each group to its
    own longest row costs the fewest padded tokens (exact, by dynamic programming over the sorted lengths).
    Groups come shortest first, their indices ascending by length.

    >>> length_groups([40, 500, 38, 45, 480], 2)
    [[2, 0, 3], [4, 1]]
    """
    if max_groups < 1:
        raise ValueError("max_groups must be >= 1")
    order = sorted(range(len(lens)), key=lambda i: (lens[i], i))
    L = [lens[i] for i in order]
    n, inf = len(L), float("inf")
    # best[g][j]: fewest padded tokens for the first j sorted rows in g groups; the last group is rows i..j-1
    best = [[inf] * (n + 1) for _ in range(max_groups + 1)]
    cut = [[0] * (n + 1) for _ in range(max_groups + 1)]
    best[0][0] = 0
    for g in range(1, max_groups + 1):
        for j in range(1, n + 1):
            for i in range(j):
                cost = best[g - 1][i] + (j - i) * L[j - 1]
                if cost < best[g][j]:
                    best[g][j], cut[g][j] = cost, i
    g = min(range(1, max_groups + 1), key=lambda k: (best[k][n], k)) if n else 0
    groups, j = [], n
    while g > 0 and j > 0:
        i = cut[g][j]
        groups.append(order[i:j])
        j, g = i, g - 1
    return groups[::-1]


def pad(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad rows -> (ids (R, T) long, mask (R, T) bool)."""
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.bool)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = True
    return ids, mask


def build_batch(records: Sequence[Record], fmt: PromptFormat, tokenize: Tokenize, cfg: BatchConfig,
                rng: random.Random | Sequence[random.Random], distil: bool = True, all_teacher_rows: bool = True) -> Batch:
    """Tokenize, chunk and pad ``records``; sample up to ``questions_per_doc`` questions of each.

    ``rng`` is one generator for the whole batch or one per record; with one per record a record's
    chunks and questions do not depend on which other records share its batch (so a DDP rank's share of
    a global batch is cut exactly as the whole batch is on one process).

    ``all_teacher_rows=False`` (training) gives rows that are not distilled the student's prompt as
    their teacher row: the teacher never reads them, and a long needle would otherwise pad every
    teacher row of the batch to its length. Evaluation keeps them (the in-context baseline).
    """
    pre, suf = wrapper_ids(fmt, tokenize)
    chunks, n_chunks, s_rows_ids, t_rows_ids, answers, doc_of_q, kl_q, ce_q = [], [], [], [], [], [], [], []
    first_kl: list[bool] = []  # per question: distil its first answer token (not when the target was spaced)
    starts: list[list[int]] = []  # per chunk row: where an answer of its document starts
    rngs = list(rng) if isinstance(rng, Sequence) else [rng] * len(records)
    if len(rngs) != len(records):
        raise ValueError(f"{len(rngs)} generators for {len(records)} records")
    for d, (rec, r) in enumerate(zip(records, rngs)):
        pieces = random_chunks(tokenize(rec.document), cfg, r, cfg.needle_max_chunks if rec.kind == "needle" else None)
        chunks += [pre + p + suf for p in pieces]
        n_chunks.append(len(pieces))
        forms = answer_forms([a for qa in rec.questions for a in qa.answers], tokenize) if rec.kind in COPIED_KINDS else []
        starts += [[len(pre) + i for i in answer_starts(p, forms)] for p in pieces]
        # a question whose prompt and target together are longer than max_qa_chars would pad every student row
        # of the batch to its length (a fill-in-the-blank over a hex key): trained only when nothing shorter is left
        qs = [qa for qa in rec.questions if rec.kind not in COPIED_KINDS
              or len(qa.question) + len(qa.target) <= cfg.max_qa_chars] or list(rec.questions)
        for qa in r.sample(qs, min(cfg.questions_per_doc, len(qs))):
            # student_context_frac: the student also reads the text (its window holding the answer), and so does
            # its teacher; a draw only when the option is on, so the random streams of older configs stay the same
            seen = (cfg.student_context_frac > 0 and rec.kind in COPIED_KINDS and r.random() < cfg.student_context_frac)
            text = context_for(rec.document, qa.answers[0], 4 * cfg.chunk_tokens) if seen else rec.document
            s_rows_ids.append(tokenize(fmt.in_context(text, qa.question) if seen else fmt.question(qa.question)))
            # facts and realtext: KL from the base reading the document + CE; needles and skills: CE on the target
            # only; no-op skills: KL from the plain base (question only: the answer the adapter should leave
            # unchanged), their stand-in target is not trained
            noop = rec.kind == NOOP_KIND
            kl = distil and (noop or rec.kind in DISTILLED_KINDS)
            plain = noop or seen or not (kl or all_teacher_rows)
            # the teacher reads at most the encoder's reach of a long document (the window holding the answer):
            # a whole manual in every teacher row would not fit in memory
            t_text = text if seen else context_for(rec.document, qa.answers[0], cfg.teacher_max_chars)
            t_rows_ids.append(s_rows_ids[-1] if plain else tokenize(fmt.in_context(t_text, qa.question)))
            spaced = answer_space(rec.kind, qa.target, cfg.answer_space)
            answers.append(tokenize((" " if spaced else "") + qa.target + cfg.answer_suffix))
            first_kl.append(not spaced)
            doc_of_q.append(d)
            kl_q.append(kl)
            ce_q.append(not (distil and noop))
    s_full = [p + a for p, a in zip(s_rows_ids, answers)]
    t_full = [p + a for p, a in zip(t_rows_ids, answers)]
    s_rows, s_cols, t_rows, t_cols, targets, q_of_pos, kl, ce = [], [], [], [], [], [], [], []
    for q, (sp, tp, ans) in enumerate(zip(s_rows_ids, t_rows_ids, answers)):
        for j, tok in enumerate(ans):
            s_rows.append(q); s_cols.append(len(sp) + j - 1)
            t_rows.append(q); t_cols.append(len(tp) + j - 1)
            targets.append(tok); q_of_pos.append(q); kl.append(kl_q[q] and (j > 0 or first_kl[q])); ce.append(ce_q[q])
    chunk_ids, chunk_mask = pad(chunks, cfg.pad_id)
    copy_targets = torch.zeros_like(chunk_mask)
    for row, cols in enumerate(starts):
        copy_targets[row, cols] = True
    as_long = lambda xs: torch.tensor(xs, dtype=torch.long)  # noqa: E731
    return Batch(chunk_ids, chunk_mask, n_chunks, pad(s_full, cfg.pad_id)[0], pad(t_full, cfg.pad_id)[0],
                 as_long(s_rows), as_long(s_cols), as_long(t_rows), as_long(t_cols), as_long(targets),
                 as_long(q_of_pos), as_long(doc_of_q), torch.tensor(kl, dtype=torch.bool),
                 torch.tensor(ce, dtype=torch.bool), copy_targets,
                 as_long([len(r) for r in s_full]), as_long([len(r) for r in t_full]))
