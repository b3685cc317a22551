"""Diff between two snapshots of one server, graded at JSON-pointer level.

`diff_snapshots(old, new, approved=...)` compares a pinned (or previous)
snapshot with a fresh one:

* tools added, removed, and renamed (a known definition body under a new name);
* per tool, every changed leaf of the definition, classified by where it sits:
  description, title, annotation flips (with the MCP defaults for missing
  hints), parameters added (required? free text?), now required, removed,
  defaults, enums, types, `additionalProperties` widened, output schema and
  unknown keys;
* server instructions, version, prompts and resource templates;
* prompt bodies (``prompts/get`` results), leaf by leaf, messages by index.
  Resource texts are content, not definition, and are never compared.

New text in a change is given to the covert-instruction detector; a change
that adds directive text is graded ``high`` (``critical`` after approval).
With ``approved=True`` any change (other than a version bump) is a rug pull:
a ``TV-MCP-RUGPULL`` finding of at least ``high``. A missing or corrupt pin
makes the diff ``untrusted`` — never clean.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from threatvec.mcp.canonical import canonical_json, tool_body_hash, tool_definition
from threatvec.mcp.configs import json_pointer
from threatvec.mcp.findings import (
    covert_module,
    finding_from_detector,
    make_finding,
    max_severity,
    severity_rank,
)
from threatvec.mcp.snapshot import ServerSnapshot, SnapshotError

__all__ = [
    "ANNOTATION_DEFAULTS",
    "Change",
    "SnapshotDiff",
    "diff_snapshots",
    "effective_annotations",
]

# MCP spec defaults for a tool without annotations (ToolAnnotations).
ANNOTATION_DEFAULTS: dict[str, bool] = {
    "readOnlyHint": False,
    "destructiveHint": True,
    "idempotentHint": False,
    "openWorldHint": True,
}
# The direction in which a flip makes a tool riskier, and how bad that is.
_RISKIER = {
    "readOnlyHint": (False, "high"),
    "destructiveHint": (True, "high"),
    "openWorldHint": (True, "medium"),
    "idempotentHint": (False, "low"),
}

_BASE_SEVERITY = {
    "tool_added": "medium",
    "tool_removed": "low",
    "tool_renamed": "medium",
    "description_changed": "low",
    "title_changed": "low",
    "annotation_flipped": "high",
    "annotation_changed": "low",
    "required_param_added": "medium",
    "free_text_param_added": "medium",
    "param_added": "low",
    "param_now_required": "medium",
    "param_removed": "low",
    "default_changed": "medium",
    "enum_changed": "medium",
    "type_changed": "medium",
    "additional_properties_widened": "medium",
    "additional_properties_narrowed": "low",
    "param_description_changed": "low",
    "output_schema_changed": "low",
    "schema_changed": "low",
    "extra_changed": "medium",
    "instructions_changed": "medium",
    "server_version_changed": "info",
    "prompt_added": "low",
    "prompt_removed": "low",
    "prompt_changed": "low",
    "prompt_body_changed": "low",
    # A body read for the first time, or not read this time (a prompt that
    # now needs arguments, --no-contents, a failed read, a pin taken before
    # bodies were read): not a change of the server by itself; directive text
    # in a newly read body still escalates it.
    "prompt_body_added": "info",
    "prompt_body_missing": "info",
    "resource_template_changed": "low",
}

PinState = Literal["ok", "none", "missing", "corrupt"]
DiffStatus = Literal["new", "unchanged", "changed", "untrusted"]


@dataclass
class Change:
    """One graded change; `pointer` locates it in the new snapshot (or the old one for removals)."""

    kind: str
    severity: str
    pointer: str
    message: str
    tool: str | None = None
    old: Any = None
    new: Any = None
    directive: bool = False
    covert: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SnapshotDiff:
    """Result of `diff_snapshots`."""

    status: DiffStatus
    pin_state: PinState
    approved: bool
    old_hash: str | None
    new_hash: str
    changes: list[Change] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    pin_error: str | None = None

    @property
    def severity(self) -> str | None:
        return max_severity(
            [c.severity for c in self.changes] + [f["severity"] for f in self.findings]
        )

    @property
    def rug_pull(self) -> bool:
        return any(f["rule_id"] == "TV-MCP-RUGPULL" for f in self.findings)

    @property
    def trusted(self) -> bool:
        """True only when a valid approved pin matches exactly."""
        return self.approved and self.status == "unchanged"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "pin_state": self.pin_state,
            "pin_error": self.pin_error,
            "approved": self.approved,
            "old_hash": self.old_hash,
            "new_hash": self.new_hash,
            "severity": self.severity,
            "rug_pull": self.rug_pull,
            "changes": [c.to_dict() for c in self.changes],
            "findings": list(self.findings),
        }


def effective_annotations(tool: Mapping[str, Any]) -> dict[str, bool]:
    """The four hints with the MCP defaults filled in for missing ones."""
    ann = tool.get("annotations")
    ann = ann if isinstance(ann, Mapping) else {}
    return {
        k: ann[k] if isinstance(ann.get(k), bool) else d for k, d in ANNOTATION_DEFAULTS.items()
    }


# --- helpers ---------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _added_text(old: Any, new: Any) -> str:
    """Text present in `new` but not in `old` (inserted segments for strings)."""
    if isinstance(old, str) and isinstance(new, str):
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        parts = [
            new[j1:j2]
            for tag, _i1, _i2, j1, j2 in matcher.get_opcodes()
            if tag in {"insert", "replace"}
        ]
        return "\n".join(p for p in parts if p.strip())
    old_strings = set(_strings(old))
    return "\n".join(s for s in _strings(new) if s not in old_strings)


def _finding_keys(findings: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(str(f.get("rule_id")), str(f.get("snippet"))) for f in findings}


def _covert_on_change(old: Any, new: Any, pointer: str) -> list[dict[str, Any]]:
    """Covert findings that the change introduced (new text, or findings absent before)."""
    covert = covert_module()
    if covert is None or new is None:
        return []
    added = _added_text(old, new)
    found: list[dict[str, Any]] = []
    if added.strip():
        found = [
            finding_from_detector(f, pointer_prefix=pointer)
            for f in covert.scan_text(added, pointer="")
        ]
    # Text assembled across old and new parts only reads as directive whole.
    new_text = "\n".join(_strings(new))
    old_text = "\n".join(_strings(old)) if old is not None else ""
    whole_new = [
        finding_from_detector(f, pointer_prefix=pointer)
        for f in covert.scan_text(new_text, pointer="")
    ]
    before: set[str] = set()
    if old_text:
        before = {
            finding_from_detector(x)["rule_id"] for x in covert.scan_text(old_text, pointer="")
        }
    seen = _finding_keys(found)
    for f in whole_new:
        if f["rule_id"] not in before and (f["rule_id"], f["snippet"]) not in seen:
            found.append(f)
    return found


def _resolve(doc: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(doc, Mapping):
            doc = doc.get(part)
        else:
            return None
    return doc


def _leaf_diffs(
    old: Any, new: Any, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any, Any]]:
    """Pointer-level differences; lists and dict-vs-missing are compared as whole values."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[tuple[tuple[str, ...], Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(((*path, key), old.get(key), new.get(key)))
            else:
                out.extend(_leaf_diffs(old[key], new[key], (*path, key)))
        return out
    if canonical_json(old) == canonical_json(new):
        return []
    return [(path, old, new)]


def _is_free_text(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return True  # `{}` or `true`: anything goes, text included
    if "enum" in schema or "const" in schema:
        return False
    typ = schema.get("type")
    types = set(typ) if isinstance(typ, list) else {typ}
    if None in types and typ is None:
        return not any(k in schema for k in ("anyOf", "oneOf", "allOf", "$ref")) or any(
            _is_free_text(s) for s in schema.get("anyOf", []) or schema.get("oneOf", []) or []
        )
    return "string" in types and schema.get("format") not in {
        "date",
        "date-time",
        "time",
        "uuid",
        "ipv4",
        "ipv6",
    }


def _loosens_additional(old: Any, new: Any) -> bool:
    """True when `additionalProperties` admits more than before (absent == true)."""
    old_closed = old is False
    new_closed = new is False
    if old_closed and not new_closed:
        return True
    return isinstance(old, Mapping) and (new is None or new is True)


class _Grader:
    def __init__(self, approved: bool) -> None:
        self.approved = approved
        self.changes: list[Change] = []

    def add(
        self,
        kind: str,
        pointer: str,
        message: str,
        *,
        tool: str | None = None,
        old: Any = None,
        new: Any = None,
        severity: str | None = None,
        scan_text: bool = True,
    ) -> None:
        sev = severity or _BASE_SEVERITY.get(kind, "low")
        covert = _covert_on_change(old, new, pointer) if scan_text else []
        directive = any(severity_rank(f["severity"]) >= severity_rank("medium") for f in covert)
        if directive:
            sev = "critical" if self.approved else "high"
            message += " — the new text carries directive or hidden instructions"
        self.changes.append(Change(kind, sev, pointer, message, tool, old, new, directive, covert))


def _grade_tool(g: _Grader, name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    base = ("tools", name)
    old_def, new_def = tool_definition(old), tool_definition(new)
    old_ann, new_ann = effective_annotations(old_def), effective_annotations(new_def)
    for hint, (risky_value, sev) in _RISKIER.items():
        if old_ann[hint] != new_ann[hint]:
            riskier = new_ann[hint] == risky_value
            g.add(
                "annotation_flipped" if riskier else "annotation_changed",
                json_pointer(*base, "annotations", hint),
                f"{name}: {hint} {str(old_ann[hint]).lower()} → {str(new_ann[hint]).lower()}"
                + (" (riskier)" if riskier else " (safer)"),
                tool=name,
                old=old_ann[hint],
                new=new_ann[hint],
                severity=sev if riskier else "low",
                scan_text=False,
            )
    for path, before, after in _leaf_diffs(old_def, new_def):
        pointer = json_pointer(*base, *path)
        head = path[0] if path else ""
        if head == "annotations":
            if len(path) >= 2 and path[1] in ANNOTATION_DEFAULTS:
                continue  # graded above with defaults applied
            if len(path) == 1:
                # annotations added or removed as a whole: hints graded above; rest is text
                rest_old = (
                    {k: v for k, v in (before or {}).items() if k not in ANNOTATION_DEFAULTS}
                    if isinstance(before, Mapping)
                    else before
                )
                rest_new = (
                    {k: v for k, v in (after or {}).items() if k not in ANNOTATION_DEFAULTS}
                    if isinstance(after, Mapping)
                    else after
                )
                if canonical_json(rest_old or {}) != canonical_json(rest_new or {}):
                    g.add(
                        "annotation_changed",
                        pointer,
                        f"{name}: annotations changed",
                        tool=name,
                        old=rest_old,
                        new=rest_new,
                    )
                continue
            g.add(
                "annotation_changed",
                pointer,
                f"{name}: annotation {path[-1]} changed",
                tool=name,
                old=before,
                new=after,
            )
        elif path == ("description",):
            g.add(
                "description_changed",
                pointer,
                f"{name}: description changed",
                tool=name,
                old=before,
                new=after,
            )
        elif path == ("title",):
            g.add(
                "title_changed", pointer, f"{name}: title changed", tool=name, old=before, new=after
            )
        elif head == "inputSchema":
            _grade_schema_leaf(g, name, pointer, path, before, after, old_def, new_def)
        elif head == "outputSchema":
            g.add(
                "output_schema_changed",
                pointer,
                f"{name}: output schema changed at {pointer}",
                tool=name,
                old=before,
                new=after,
            )
        else:
            g.add(
                "extra_changed",
                pointer,
                f"{name}: field {path[0]!r} changed",
                tool=name,
                old=before,
                new=after,
            )


def _grade_schema_leaf(
    g: _Grader,
    name: str,
    pointer: str,
    path: tuple[str, ...],
    before: Any,
    after: Any,
    old_def: Mapping[str, Any],
    new_def: Mapping[str, Any],
) -> None:
    last = path[-1]
    parent = path[:-1]
    if len(path) >= 2 and path[-2] == "properties":
        # a parameter added or removed (inside `properties` of some object schema)
        obj = path[:-2]
        param = last
        if before is None:
            required = _resolve(new_def, (*obj, "required"))
            is_required = isinstance(required, list) and param in required
            free = _is_free_text(after)
            if is_required:
                g.add(
                    "required_param_added",
                    pointer,
                    f"{name}: new required parameter {param!r}",
                    tool=name,
                    new=after,
                )
            if free:
                g.add(
                    "free_text_param_added",
                    pointer,
                    f"{name}: new free-text parameter {param!r}",
                    tool=name,
                    new=after,
                    scan_text=not is_required,
                )
            if not is_required and not free:
                g.add(
                    "param_added",
                    pointer,
                    f"{name}: new optional parameter {param!r}",
                    tool=name,
                    new=after,
                )
            return
        if after is None:
            g.add(
                "param_removed",
                pointer,
                f"{name}: parameter {param!r} removed",
                tool=name,
                old=before,
                scan_text=False,
            )
            return
    if last == "required":
        old_req = set(before) if isinstance(before, list) else set()
        new_req = set(after) if isinstance(after, list) else set()
        old_props = _resolve(old_def, (*parent, "properties"))
        for param in sorted(new_req - old_req):
            if isinstance(old_props, Mapping) and param in old_props:
                g.add(
                    "param_now_required",
                    pointer,
                    f"{name}: parameter {param!r} is now required",
                    tool=name,
                    old=sorted(old_req),
                    new=sorted(new_req),
                    scan_text=False,
                )
            elif not isinstance(_resolve(new_def, (*parent, "properties", param)), Mapping):
                g.add(
                    "required_param_added",
                    pointer,
                    f"{name}: {param!r} required but not declared",
                    tool=name,
                    old=sorted(old_req),
                    new=sorted(new_req),
                )
        if old_req - new_req:
            g.add(
                "schema_changed",
                pointer,
                f"{name}: parameters no longer required: {sorted(old_req - new_req)}",
                tool=name,
                old=sorted(old_req),
                new=sorted(new_req),
                scan_text=False,
            )
        return
    if last == "default":
        g.add(
            "default_changed",
            pointer,
            f"{name}: default changed at {pointer}",
            tool=name,
            old=before,
            new=after,
        )
    elif last == "enum" or last == "const":
        g.add(
            "enum_changed",
            pointer,
            f"{name}: allowed values changed at {pointer}",
            tool=name,
            old=before,
            new=after,
        )
    elif last == "additionalProperties":
        if _loosens_additional(before, after):
            g.add(
                "additional_properties_widened",
                pointer,
                f"{name}: additionalProperties widened",
                tool=name,
                old=before,
                new=after,
            )
        else:
            g.add(
                "additional_properties_narrowed",
                pointer,
                f"{name}: additionalProperties narrowed",
                tool=name,
                old=before,
                new=after,
            )
    elif last == "type":
        g.add(
            "type_changed",
            pointer,
            f"{name}: type changed at {pointer}",
            tool=name,
            old=before,
            new=after,
        )
    elif last == "description":
        g.add(
            "param_description_changed",
            pointer,
            f"{name}: description changed at {pointer}",
            tool=name,
            old=before,
            new=after,
        )
    else:
        g.add(
            "schema_changed",
            pointer,
            f"{name}: input schema changed at {pointer}",
            tool=name,
            old=before,
            new=after,
        )


def _load(
    old: ServerSnapshot | Mapping[str, Any] | None,
) -> tuple[ServerSnapshot | None, PinState, str | None]:
    if old is None:
        return None, "none", None
    if isinstance(old, ServerSnapshot):
        return old, "ok", None
    try:
        return ServerSnapshot.from_dict(old, verify=True), "ok", None
    except SnapshotError as exc:
        return None, "corrupt", str(exc)
    except (TypeError, ValueError, AttributeError) as exc:
        return None, "corrupt", f"unreadable pin: {exc}"


def diff_snapshots(
    old: ServerSnapshot | Mapping[str, Any] | None,
    new: ServerSnapshot,
    *,
    approved: bool,
) -> SnapshotDiff:
    """Compare the pinned/previous snapshot `old` with `new`.

    `old` may be a `ServerSnapshot`, a stored snapshot dict (its embedded pins
    are verified; a mismatch makes the pin corrupt) or None (no pin).
    `approved` says whether `old` is the approved pin: then any change is a
    rug pull (`TV-MCP-RUGPULL`).
    """
    new_hash = new.server_hash
    snap, pin_state, pin_error = _load(old)
    if snap is None:
        result = SnapshotDiff("untrusted", pin_state, approved, None, new_hash, pin_error=pin_error)
        if pin_state == "corrupt":
            result.findings.append(
                make_finding(
                    "TV-MCP-PIN-CORRUPT", f"The pinned snapshot cannot be trusted: {pin_error}"
                )
            )
        elif approved:
            result.pin_state = "missing"
            result.findings.append(
                make_finding(
                    "TV-MCP-PIN-MISSING",
                    "The server is approved but its pinned snapshot is missing.",
                )
            )
        else:
            result.status = "new"
        return result

    g = _Grader(approved)
    old_tools = {t["name"]: t for t in snap.tools}
    new_tools = {t["name"]: t for t in new.tools}
    removed = [n for n in old_tools if n not in new_tools]
    added = [n for n in new_tools if n not in old_tools]
    bodies = {tool_body_hash(old_tools[n]): n for n in removed}
    for name in list(added):
        old_name = bodies.get(tool_body_hash(new_tools[name]))
        if old_name is not None and old_name in removed:
            removed.remove(old_name)
            added.remove(name)
            g.add(
                "tool_renamed",
                json_pointer("tools", name, "name"),
                f"tool {old_name!r} renamed to {name!r} (same definition)",
                tool=name,
                old=old_name,
                new=name,
            )
    for name in removed:
        g.add(
            "tool_removed",
            json_pointer("tools", name),
            f"tool {name!r} removed",
            tool=name,
            scan_text=False,
        )
    for name in added:
        g.add(
            "tool_added",
            json_pointer("tools", name),
            f"new tool {name!r}",
            tool=name,
            new=tool_definition(new_tools[name]),
        )
    for name in old_tools.keys() & new_tools.keys():
        _grade_tool(g, name, old_tools[name], new_tools[name])

    if (snap.instructions or "") != (new.instructions or ""):
        g.add(
            "instructions_changed",
            "/instructions",
            "server instructions changed",
            old=snap.instructions,
            new=new.instructions,
        )
    old_version = (snap.server_info or {}).get("version")
    new_version = (new.server_info or {}).get("version")
    if old_version != new_version:
        g.add(
            "server_version_changed",
            "/server_info/version",
            f"server version {old_version} → {new_version}",
            old=old_version,
            new=new_version,
            scan_text=False,
        )
    _grade_named(g, "prompt", "prompts", snap.prompts, new.prompts)
    _grade_prompt_bodies(g, snap, new)
    _grade_named(
        g,
        "resource_template",
        "resource_templates",
        snap.resource_templates,
        new.resource_templates,
    )

    g.changes.sort(key=lambda c: (-severity_rank(c.severity), c.pointer))
    status: DiffStatus = "changed" if g.changes else "unchanged"
    result = SnapshotDiff(status, "ok", approved, snap.server_hash, new_hash, g.changes)
    material = [c for c in g.changes if c.severity != "info"]
    if material:
        worst = max_severity(c.severity for c in material) or "low"
        top = material[0]
        summary = "; ".join(c.message for c in material[:3]) + (
            f"; +{len(material) - 3} more" if len(material) > 3 else ""
        )
        if approved:
            sev = "critical" if any(c.directive for c in material) else "high"
            result.findings.append(
                make_finding(
                    "TV-MCP-RUGPULL",
                    f"{len(material)} change(s) since approval: {summary}",
                    severity=sev,
                    pointer=top.pointer,
                    tool=top.tool,
                    snippet=_snippet(top.new),
                )
            )
        else:
            result.findings.append(
                make_finding(
                    "TV-MCP-CHANGE",
                    f"{len(material)} change(s) since the last snapshot: {summary}",
                    severity=worst,
                    pointer=top.pointer,
                    tool=top.tool,
                    snippet=_snippet(top.new),
                )
            )
    return result


def _snippet(value: Any) -> str:
    text = value if isinstance(value, str) else ("" if value is None else canonical_json(value))
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text[:160]


def _grade_named(
    g: _Grader, kind: str, key: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> None:
    def ident(item: Mapping[str, Any]) -> str:
        return str(item.get("name") or item.get("uriTemplate") or item.get("uri"))

    old_map = {ident(i): tool_definition(i) for i in old}
    new_map = {ident(i): tool_definition(i) for i in new}
    for name in sorted(old_map.keys() | new_map.keys()):
        before, after = old_map.get(name), new_map.get(name)
        if (
            before is not None
            and after is not None
            and canonical_json(before) == canonical_json(after)
        ):
            continue
        if kind == "prompt":
            change = (
                "prompt_added"
                if before is None
                else "prompt_removed"
                if after is None
                else "prompt_changed"
            )
        else:
            change = "resource_template_changed"
        g.add(
            change,
            json_pointer(key, name),
            f"{kind.replace('_', ' ')} {name!r} "
            f"{'added' if before is None else 'removed' if after is None else 'changed'}",
            old=before,
            new=after,
        )


def _deep_leaf_diffs(
    old: Any, new: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any, Any]]:
    """Like `_leaf_diffs`, but lists are walked by index (messages of a prompt body)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[tuple[tuple[str | int, ...], Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(((*path, key), old.get(key), new.get(key)))
            else:
                out.extend(_deep_leaf_diffs(old[key], new[key], (*path, key)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        for i in range(max(len(old), len(new))):
            before = old[i] if i < len(old) else None
            after = new[i] if i < len(new) else None
            if i >= len(old) or i >= len(new):
                out.append(((*path, i), before, after))
            else:
                out.extend(_deep_leaf_diffs(before, after, (*path, i)))
        return out
    if canonical_json(old) == canonical_json(new):
        return []
    return [(path, old, new)]


def _grade_prompt_bodies(g: _Grader, old: ServerSnapshot, new: ServerSnapshot) -> None:
    """Prompt bodies are definitions (issue #4): every changed leaf is a change."""
    listed_now = {p.get("name") for p in new.prompts}
    for name in sorted(old.prompt_bodies.keys() | new.prompt_bodies.keys()):
        before = old.prompt_bodies.get(name)
        after = new.prompt_bodies.get(name)
        if before is None and after is not None:
            g.add(
                "prompt_body_added",
                json_pointer("prompt_bodies", name),
                f"prompt {name!r}: body read (not in the earlier snapshot)",
                new=tool_definition(after),
            )
            continue
        if after is None:
            if name in listed_now:  # a removed prompt is reported as prompt_removed
                g.add(
                    "prompt_body_missing",
                    json_pointer("prompt_bodies", name),
                    f"prompt {name!r}: body not read in this scan",
                    old=tool_definition(before or {}),
                    scan_text=False,
                )
            continue
        assert before is not None
        for path, was, now in _deep_leaf_diffs(tool_definition(before), tool_definition(after)):
            pointer = json_pointer("prompt_bodies", name, *path)
            g.add(
                "prompt_body_changed",
                pointer,
                f"prompt {name!r}: body changed at {pointer}",
                old=was,
                new=now,
                scan_text=now is not None,
            )
