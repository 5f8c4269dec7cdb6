"""Automation: routing each stage's automatic step, the outbox, notifications and delivery."""
