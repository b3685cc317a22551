"""Org isolation, checked generically over every route in the OpenAPI document.

Org A gets every area's demo data (each area seeds itself through
DEMO_MODULES) plus objects made through the API. Then org B's key is used on
every route: lists must not show a single id of A's, and every route that takes
an id must answer A's ids with 403/404 (or a validation error), never with A's
data. A route that serves shared reference data (the same for all orgs) says so
with ``openapi_extra={"x-threatvec-scope": "global"}``; it may answer 2xx but
still must not reveal A's own objects.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

from tests.conftest import create_org
from threatvec.demo import DEMO_MODULES
from threatvec.store.engine import session_scope

METHODS = ("get", "post", "put", "patch", "delete")
DENIED = {403, 404, 405, 409, 422}
SKIP_RESPONSE_TYPES = ("text/event-stream",)


def _collect_ids(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        # A row that says it belongs to no org ("org_id": null, e.g. a feed sync's job
        # run) is shared by every org, so it is not one of A's objects (its children are
        # still walked).
        shared = "org_id" in value and value["org_id"] is None
        for key, item in value.items():
            if shared and (key == "id" or key.endswith("_id")):
                continue
            if (
                (key == "id" or key.endswith("_id"))
                and isinstance(item, str | int)
                and len(str(item)) >= 6
            ):
                out.add(str(item))
            _collect_ids(item, out)
    elif isinstance(value, list):
        for item in value:
            _collect_ids(item, out)


def _example_body(spec: dict, op: dict) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if not media:
        return None
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples = schema.get("examples") or []
    return examples[0] if examples else {}


def _is_stream(op: dict) -> bool:
    content = op.get("responses", {}).get("200", {}).get("content", {})
    return any(t in content for t in SKIP_RESPONSE_TYPES)


def test_org_b_never_sees_org_a(client, session_factory) -> None:
    a, b = create_org(session_factory), create_org(session_factory)
    with session_scope(session_factory) as session:
        for name in DEMO_MODULES:
            importlib.import_module(name).seed(session=session, org_id=a.id)
    client.post(
        "/api/v1/assets", headers=a.headers, json={"kind": "agent", "name": "a-only-canary-agent"}
    )

    spec = client.get("/openapi.json").json()
    paths: dict[str, dict] = spec["paths"]
    list_paths = [
        p
        for p, ops in paths.items()
        if "{" not in p and "get" in ops and p.startswith("/api/v1") and not _is_stream(ops["get"])
    ]

    # A's ids, by the list they came from.
    ids_by_list: dict[str, set[str]] = {}
    all_ids: set[str] = set()
    for path in list_paths:
        r = client.get(path, headers=a.headers)
        if r.status_code == 200 and r.headers["content-type"].startswith("application/json"):
            found: set[str] = set()
            _collect_ids(r.json(), found)
            ids_by_list[path] = found
            all_ids |= found
    assert all_ids, "org A has no objects: the demo seeders produced nothing to test with"

    # 1. B's lists contain none of A's ids or names.
    for path in list_paths:
        r = client.get(path, headers=b.headers)
        text = r.text
        leaked = [i for i in all_ids if i in text]
        assert not leaked, f"GET {path} as org B shows org A's ids {leaked[:3]}"
        assert "a-only-canary-agent" not in text, f"GET {path} as org B shows A's asset"

    # 2. Every templated route answers A's ids with a denial for B.
    checked = 0
    for path, ops in paths.items():
        params = re.findall(r"{([^}]+)}", path)
        if not params or not path.startswith("/api/v1"):
            continue
        parents = [lp for lp in ids_by_list if path.startswith(lp + "/")]
        candidates = ids_by_list[max(parents, key=len)] if parents else all_ids
        for method in METHODS:
            op = ops.get(method)
            if op is None or _is_stream(op):
                continue
            is_global = op.get("x-threatvec-scope") == "global"
            body = _example_body(spec, op)
            for object_id in sorted(candidates)[:25]:
                url = path
                for p in params:
                    url = url.replace("{" + p + "}", object_id)
                kwargs: dict[str, Any] = {"headers": b.headers}
                if body is not None:
                    kwargs["json"] = body
                r = client.request(method.upper(), url, **kwargs)
                checked += 1
                assert r.status_code < 500, f"{method.upper()} {path} gave {r.status_code}"
                if r.status_code in DENIED or r.status_code == 400:
                    continue
                # Routes that authenticate themselves (signed webhooks, ingest tokens) take
                # no org key at all: B's key earns a 401 there, which is a denial too.
                if r.status_code == 401 and "security" not in op:
                    continue
                assert is_global, (
                    f"{method.upper()} {path} with org A's id answered {r.status_code} to org B: "
                    f"{r.text[:200]}"
                )
                others = {i for i in all_ids if i != object_id}
                leaked = [i for i in others if i in r.text]
                assert not leaked, f"{method.upper()} {path} leaks org A's ids {leaked[:3]}"
    assert checked > 0
    # A still sees its own objects: the test would be empty otherwise.
    assert json.dumps(client.get("/api/v1/assets", headers=a.headers).json()).count('"id"') > 3
