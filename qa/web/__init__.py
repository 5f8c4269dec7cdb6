"""The web UI: Starlette + Jinja2 + htmx (vendored), server-rendered pages and fragments."""
