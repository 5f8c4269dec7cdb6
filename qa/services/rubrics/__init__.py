"""Rubrics and score sheets: immutable rubric versions, rubric files, the sheets raters fill in."""
