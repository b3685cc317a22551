"""OpenAPI request bodies for routes that read their body themselves (gzip, protobuf).

Such routes cannot declare a pydantic body parameter (FastAPI would validate the
whole batch at once and refuse every event for one bad one), so the document
gets the model's JSON schema inlined, with its examples.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["inline_schema", "request_body"]


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = defs[ref.rsplit("/", 1)[1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _resolve(merged, defs)
        return {k: _resolve(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_resolve(v, defs) for v in node]
    return node


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every ``$defs`` reference replaced by its definition."""
    schema = model.model_json_schema()
    return dict(_resolve(schema, schema.get("$defs", {})))


def request_body(
    model: type[BaseModel], *, extra_content: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of this model (plus other media types)."""
    content: dict[str, Any] = {"application/json": {"schema": inline_schema(model)}}
    content.update(extra_content or {})
    return {"requestBody": {"required": True, "content": content}}
