"""How many reviewers a submission gets and how long they have (configurable)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewSettings:
    reviewers_to_invite: int = 3
    required_reviews: int = 2
    respond_days: int = 5
    review_days: int = 21
    #: No reviewer is invited automatically while holding this many open assignments.
    max_load: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.required_reviews <= self.reviewers_to_invite:
            raise ValueError(
                "required reviews must be at least 1 and at most the number of reviewers invited"
            )
        if self.max_load < 1:
            raise ValueError("a reviewer's maximum load must be at least 1")
        if self.respond_days < 1 or self.review_days < self.respond_days:
            raise ValueError("reviewers need at least a day to respond and longer to review")
