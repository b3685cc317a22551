"""The OpenAPI document: every route has schemas and examples for requests and responses."""

from __future__ import annotations

from typing import Any


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _has_example(spec: dict, media: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = _resolve(spec, media.get("schema", {}))
    if "examples" in schema or "example" in schema:
        return True
    # A page wraps items that carry examples; an array of examples counts.
    for key in ("items",):
        if key in schema and _has_example(spec, {"schema": schema[key]}):
            return True
    props = schema.get("properties", {})
    if "items" in props:
        return _has_example(spec, {"schema": props["items"]})
    return False


def test_every_operation_documents_schemas_and_examples(client) -> None:
    spec = client.get("/openapi.json").json()
    problems: list[str] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            label = f"{method.upper()} {path}"
            body = op.get("requestBody")
            if body:
                for ctype, media in body["content"].items():
                    if "schema" not in media:
                        problems.append(f"{label}: request {ctype} has no schema")
                    elif ctype == "application/json" and not _has_example(spec, media):
                        problems.append(f"{label}: request has no example")
            ok = [c for c in op["responses"] if c.startswith("2")]
            if not ok:
                problems.append(f"{label}: no success response documented")
            for code in ok:
                for ctype, media in op["responses"][code].get("content", {}).items():
                    if ctype == "application/json" and not _has_example(spec, media):
                        problems.append(f"{label}: {code} response has no example")
            if path.startswith("/api/v1"):
                errors = op["responses"]
                for code in ("401", "422"):
                    if code not in errors:
                        problems.append(f"{label}: {code} not documented")
    assert not problems, "\n".join(problems)


def test_api_declares_org_key_security(client) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("name") == "X-Org-Key" and s.get("in") == "header" for s in schemes.values())
