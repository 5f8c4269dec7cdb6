"""How well a reviewer fits a file: ISCED-F closeness, EQF level and text similarity.

affinity = 0.5 · ISCED-F closeness (0, ⅓, ⅔, 1 as in `expertise_match`)
         + 0.35 · TF-IDF cosine of the file's learning outcomes against the reviewer's
           expertise statement and past reviewed files
         + 0.15 · the file's EQF level is one the reviewer declared.

TF-IDF is fitted on the texts of the round itself (scikit-learn, no model download), so
the weights need nothing from outside. Blocks of files are scored at once so a
20,000 × 3,000 round never holds more than one block in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from qa.domain.reviewer_choice import expertise_match

ISCED_WEIGHT = 0.5
TEXT_WEIGHT = 0.35
EQF_WEIGHT = 0.15

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FileTraits:
    field_of_study: str | None
    eqf_level: int | None
    text: str  # learning outcomes, one string


@dataclass(frozen=True)
class ReviewerTraits:
    expertise: tuple[str, ...]  # ISCED-F codes
    eqf_levels: frozenset[int]
    text: str  # expertise statement + titles/outcomes of past reviewed files


@dataclass(frozen=True)
class Components:
    isced: float
    text: float
    eqf: float

    @property
    def total(self) -> float:
        return ISCED_WEIGHT * self.isced + TEXT_WEIGHT * self.text + EQF_WEIGHT * self.eqf


class AffinityModel:
    """Scores blocks of files against every reviewer; one model per assignment round."""

    def __init__(self, files: Sequence[FileTraits], reviewers: Sequence[ReviewerTraits]) -> None:
        self.files = list(files)
        self.reviewers = list(reviewers)
        vectorizer = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, min_df=1, dtype=np.float32
        )
        corpus = [f.text for f in self.files] + [r.text for r in self.reviewers]
        if any(text.strip() for text in corpus):
            try:
                matrix = vectorizer.fit_transform(corpus)
            except ValueError:  # only stop words: no vocabulary
                matrix = None
        else:
            matrix = None
        self._file_vectors = None if matrix is None else matrix[: len(self.files)].tocsr()
        self._reviewer_vectors = None if matrix is None else matrix[len(self.files) :].T.tocsc()
        self._isced: dict[str | None, Matrix] = {}
        self._eqf: dict[int | None, Matrix] = {}

    def _isced_row(self, field: str | None) -> Matrix:
        row = self._isced.get(field)
        if row is None:
            row = np.array(
                [expertise_match(field, r.expertise) / 3 for r in self.reviewers], np.float32
            )
            self._isced[field] = row
        return row

    def _eqf_row(self, level: int | None) -> Matrix:
        row = self._eqf.get(level)
        if row is None:
            row = np.array(
                [level is not None and level in r.eqf_levels for r in self.reviewers], np.float32
            )
            self._eqf[level] = row
        return row

    def text_block(self, rows: Sequence[int]) -> Matrix:
        if self._file_vectors is None or self._reviewer_vectors is None:
            return np.zeros((len(rows), len(self.reviewers)), np.float32)
        product = self._file_vectors[list(rows)] @ self._reviewer_vectors
        return np.asarray(product.toarray(), dtype=np.float32)

    def block(self, rows: Sequence[int]) -> Matrix:
        """Affinity in [0, 1] of files `rows` (indexes) against every reviewer."""
        out = TEXT_WEIGHT * self.text_block(rows)
        for i, row in enumerate(rows):
            file = self.files[row]
            out[i] += ISCED_WEIGHT * self._isced_row(file.field_of_study)
            out[i] += EQF_WEIGHT * self._eqf_row(file.eqf_level)
        return out

    def components(self, row: int, reviewer: int) -> Components:
        file = self.files[row]
        return Components(
            isced=float(self._isced_row(file.field_of_study)[reviewer]),
            text=float(self.text_block([row])[0, reviewer]),
            eqf=float(self._eqf_row(file.eqf_level)[reviewer]),
        )


ISCED_WORDS = {1.0: "same detailed field", 2 / 3: "same narrow field", 1 / 3: "same broad field"}


def explain(parts: Components, field: str | None) -> str:
    """One line an officer can check: why this reviewer for this file."""
    pieces: list[str] = []
    for level, words in ISCED_WORDS.items():
        if abs(parts.isced - level) < 1e-3:
            pieces.append(f"ISCED-F {field}: {words}")
            break
    else:
        pieces.append("no shared ISCED-F field")
    pieces.append(f"text similarity {parts.text:.2f}")
    if parts.eqf:
        pieces.append("declared this EQF level")
    return f"affinity {parts.total:.2f} ({'; '.join(pieces)})"
