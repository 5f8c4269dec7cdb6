"""The API reference as plain server-rendered HTML, from the OpenAPI document.

No script and no inline style (the CSP allows neither): headings, tables and the schemas as
indented JSON, styled by the product's own stylesheet.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any


def reference_page(document: dict[str, Any]) -> str:
    info = document["info"]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(info['title'])}</title>",
        '<link rel="stylesheet" href="/static/app.css"></head>',
        '<body><main class="api-docs">',
        f"<h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>",
        "<p>Send a personal API token as <code>Authorization: Bearer &lt;token&gt;</code>. "
        "Errors are <code>application/problem+json</code> (RFC 9457); updates need "
        "<code>If-Match</code>. The machine-readable document is "
        '<a href="/api/v1/openapi.json">openapi.json</a>.</p>',
        "<nav><ul>",
    ]
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    for path, method, op in operations:
        parts.append(
            f'<li><a href="#{escape(op["operationId"])}">{method.upper()} '
            f"{escape(path)}</a> {escape(op['summary'])}</li>"
        )
    parts.append("</ul></nav>")
    for path, method, op in operations:
        parts.append(_operation(path, method, op))
    parts.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        parts.append(f'<h3 id="schema-{escape(name)}">{escape(name)}</h3>')
        parts.append(f"<pre>{escape(json.dumps(schema, indent=2, sort_keys=True))}</pre>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = [
        f'<section><h2 id="{escape(op["operationId"])}">'
        f"{method.upper()} /api/v1{escape(path)}</h2>",
        f"<p>{escape(op['summary'])}</p>",
    ]
    if op.get("description"):
        rows.append(f"<p>{escape(op['description'])}</p>")
    rows.append(f"<p>Token: {'not needed' if op['security'] == [] else 'required'}</p>")
    if op["parameters"]:
        rows.append("<table><tr><th>Parameter</th><th>In</th><th>Schema</th></tr>")
        for parameter in op["parameters"]:
            rows.append(
                f"<tr><td>{escape(parameter['name'])}</td><td>{escape(parameter['in'])}</td>"
                f"<td><code>{escape(json.dumps(parameter['schema']))}</code></td></tr>"
            )
        rows.append("</table>")
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        rows.append(f"<p>Body: {_schema_link(schema)}</p>")
    rows.append("<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>")
    for status, response in op["responses"].items():
        body = ", ".join(
            f"{escape(media)} {_schema_link(content.get('schema', {}))}"
            for media, content in response.get("content", {}).items()
        )
        rows.append(
            f"<tr><td>{escape(status)}</td><td>{escape(response['description'])}</td>"
            f"<td>{body}</td></tr>"
        )
    rows.append("</table></section>")
    return "\n".join(rows)


def _schema_link(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if not ref:
        return f"<code>{escape(json.dumps(schema))}</code>"
    name = ref.rsplit("/", 1)[-1]
    return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'
