"""Prefect flows that route submissions through the review lifecycle.

SQL is the record: flows take ids, re-read the database and act idempotently.
The routing and deadline flows arrive with the review-lifecycle work.
"""
