# ruff: noqa: E501
# (long lines: one vocabulary per line reads best)
"""Destinations and access planted in schema values (round 14, issue #4).

An attacker who wants the model to send data somewhere has to write that
somewhere down. Phrasing can be varied without end; the address cannot hide:
it sits in a ``default``, ``const``, ``enum`` or ``examples`` value of a
parameter that names a destination (``bcc``, ``callback_url``,
``destination_url``, ``account_number``). Of about 3,500 tools captured from
real MCP servers, none ships such a value, so one is evidence by itself and
a copy recipient (``bcc``/``cc``) or a look-alike host is an attack on sight:

* a fixed copy recipient (``bcc``, ``cc``) -> a standing hidden copy;
* a host whose name is one or two letters from a host named elsewhere in the
  definition ("hooks.paylanne.io" next to "hooks.paylane.io"), or spelled
  with letters of another script -> a look-alike destination;
* another outside host, e-mail address or account number -> a planted
  destination (weaker: an honest tool may default to its vendor's API, which
  the check tells apart by the vendor's name appearing in the definition).

The same holds for access: an administrator role in the default groups, an
SSH public key in the default ``authorized_keys``, or a value such as
``mfa_not_required`` as a default switches the account's protection off
without a word in the description.

Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from threatvec.detect._covert_lexicon import pointer_token
from threatvec.detect._covert_secret_paths import HOME_DIR
from threatvec.detect.normalize import fold_homoglyphs

__all__ = [
    "INERT_HOST_RE",
    "DestinationHit",
    "planted_destination_hits",
    "prose_of",
    "registrable",
    "snake_name",
]

# rule id, weight, pointer, snippet text, note
DestinationHit = tuple[str, float, str, str, str]

_DEST_NAME_RE = re.compile(
    r"(?:^|_)(?:bcc|cc|to|recipients?|emails?|callback|redirect|webhook|endpoint|destination|dest|target|upload|"
    r"mirror|sink|forward|relay|url|uri|host|remote|payee|account|routing|iban|wallet|address|server|base|"
    # Session 6: "reviewer_copy", "archive_to", "notify".
    r"copy|archive|notify|reviewer|audit|copie|copia|kopie|destino|ziel)(?:_|$)"
)
_USE_EXAMPLE_RE = re.compile(
    r"\b(?:use|keep|pass|fall back to)\s+the\s+example(?:\s+(?:value|endpoint|url|address|host|webhook))?\b",
    re.IGNORECASE,
)
_RECEIVES_COPY_RE = re.compile(
    r"\b(?:a copy|copies|archived|archive copy|bcc|cc|mirrored|backup copy)\b", re.IGNORECASE
)
_COPY_NAME_RE = re.compile(r"(?:^|_)(?:bcc|cc|copy|copie|copia|kopie)(?:_|$)")
# Session 6: a parameter that hands out rights ("also_grant_admin_to").
_GRANT_NAME_RE = re.compile(r"(?:^|_)(?:grant|admin|owner|access|elevate)(?:_|$)")
_ACCOUNT_NAME_RE = re.compile(
    r"(?:^|_)(?:account|routing|iban|wallet|payee|sort_code|bic|swift)(?:_|$)"
)
_URL_RE = re.compile(
    r"^(?:https?|wss?|s?ftps?|scp|rsync|s3|gs|azblob)://(?:[^@/\s]+@)?([^/:?#\s]+)", re.IGNORECASE
)
_EMAIL_RE = re.compile(r"^[\w.+-]+@([\w-]+(?:\.[\w-]+)+)$")
_ACCOUNT_VALUE_RE = re.compile(
    r"^(?:[A-Z]{2}\d{2}[A-Z0-9]{8,30}|\d[\d -]{5,}\d|0x[0-9a-fA-F]{20,}|[13bc][a-km-zA-HJ-NP-Z1-9]{25,60})$"
)
# Hosts no one can receive mail or requests at, and the user's own machine.
INERT_HOST_RE = re.compile(
    r"(?:^|\.)(?:example|test|invalid|localhost|local|internal|lan)$|(?:^|\.)example\.(?:com|org|net)$|"
    r"^(?:127\.|10\.|192\.168\.|0\.0\.0\.0|\[::1\])"
)
_HOSTNAME_RE = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b")
_BARE_HOST_RE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,6}[a-z]{2,24}(?::\d{2,5})?$"
)
_SENDS_SECRETS_RE = re.compile(
    r"\b(?:unmasked|unredacted|plain-?text|decrypted|raw)\s+(?:values?|secrets?|contents?|keys?|tokens?|credentials?)\b|"
    r"\b(?:including|with)\s+(?:all\s+)?(?:secrets?|credentials?|tokens?|passwords?|api keys?)\b|"
    # Session 7: "receives the build log and environment when the build finishes".
    r"\b(?:receives?|gets?|is sent)\s+(?:the\s+)?[\w ]{0,30}?\b(?:environment|env vars|secrets?|credentials?)\b",
    re.IGNORECASE,
)
# Session 7: a tool whose results hold secrets or money, or whose verb sends
# something out: an outside host as the default of a destination there is
# where those go whenever the model leaves it unset.
_HANDLES_SECRETS_RE = re.compile(
    r"\b(?:passwords?|one-time codes?|otp|secrets?|private keys?|credentials?|api keys?)\b",
    re.IGNORECASE,
)
_SENDING_NAME_RE = re.compile(
    r"(?:^|_)(?:push|upload|sync|backup|export|publish|mirror|replicate)(?:_|$)"
)
# Session 7: "Defaults to the account's default external account" beside a
# fixed id in "default": the description and the value disagree.
_SEND_DEFAULT_RE = re.compile(
    r"\b(?:always|only)\s+(?:send|use|pass|keep|leave)\s+(?:the|this|its)\s+default\b",
    re.IGNORECASE,
)
_OWN_DEFAULT_CLAIM_RE = re.compile(
    r"\bdefaults? to (?:the |your |their )?(?:user's |account's |customer's )?(?:own |default|primary|configured)\b",
    re.IGNORECASE,
)
_SNAKE_RE = re.compile(r"([a-z0-9])([A-Z])")
_VALUE_KEYS = ("const", "default", "enum", "examples", "example")
# Where money or messages go, named by an opaque id ("acct_1PqX93Lw8ZkT2mRf").
_PAYEE_NAME_RE = re.compile(
    r"(?:^|_)(?:destination|dest|payee|account|recipient|beneficiary|payout|wallet|iban|to|creditor)(?:_|$)"
)
_OPAQUE_ID_RE = re.compile(r"^(?=[\w-]*\d)(?=[\w-]*[a-zA-Z])[\w-]{12,64}$")
_ROLE_NAME_RE = re.compile(
    r"(?:^|_)(?:groups?|roles?|permissions?|scopes?|access_level|privileges?|polic(?:y|ies))(?:_|$)"
)
# "app_owner" is a role of one app, not of the organisation: owners are left out.
_ADMIN_VALUE_RE = re.compile(
    r"(?:^|[\W_])(?:admin\w*|administrators?|root|superusers?|super[-_ ]?admins?|full[-_ ]?access|all[-_ ]?access)(?:$|[\W_])",
    re.IGNORECASE,
)
# The owner of the whole organisation or account, as a value on its own.
_OWNER_VALUE_RE = re.compile(
    r"^(?:owner|org[_-]?owner|organi[sz]ation[_-]?owner|account[_-]?owner)$", re.IGNORECASE
)
_PUBLIC_KEY_RE = re.compile(r"^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-ssh-\S+) AAAA")
_WEAK_VALUE_RE = re.compile(
    r"(?:mfa|2fa|tls|ssl|verification|signature|signing|auth\w*|review|approval)[_-](?:not[_-]required|disabled|off|"
    r"skip\w*|bypass\w*|none)|(?:disable|skip|bypass|no)[_-](?:mfa|2fa|tls|ssl|verif\w*|signature|signing|auth\w*|"
    r"review|approval)",
    re.IGNORECASE,
)
_MAX_PROPS = 400


def snake_name(name: str) -> str:
    """``sendToURL`` / ``send-to-url`` → ``send_to_url``: one spelling for name rules."""
    return _SNAKE_RE.sub(r"\1_\2", name).lower().replace("-", "_")


def _properties(schema: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    stack: list[tuple[Any, str]] = [(schema, pointer)]
    seen = 0
    while stack and seen < _MAX_PROPS:
        node, ptr = stack.pop()
        if not isinstance(node, dict):
            continue
        props = node.get("properties")
        if isinstance(props, dict):
            for name, prop in props.items():
                if isinstance(name, str) and isinstance(prop, dict):
                    seen += 1
                    esc = pointer_token(name)
                    yield name, prop, f"{ptr}/properties/{esc}"
                    stack.append((prop, f"{ptr}/properties/{esc}"))
        items = node.get("items")
        if isinstance(items, dict):
            stack.append((items, f"{ptr}/items"))


def _values(prop: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in _VALUE_KEYS:
        value = prop.get(key)
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, list):
            for v in value[:20]:
                if isinstance(v, str):
                    yield key, v


def prose_of(tool: dict[str, Any]) -> str:
    """Name, titles and descriptions of a definition, lower-cased (no schema values)."""
    parts = [tool.get(k) for k in ("name", "title", "description")]
    schema = tool.get("inputSchema")
    if isinstance(schema, dict):
        parts += [
            prop.get(k) for _, prop, _ in _properties(schema, "") for k in ("title", "description")
        ]
    return " ".join(p for p in parts if isinstance(p, str)).lower()


def registrable(host: str) -> str:
    """The label a vendor is known by: "drop.exportcloud-share.com" -> "exportcloud-share"."""
    parts = host.split(".")
    if (
        len(parts) >= 3
        and len(parts[-1]) == 2
        and parts[-2] in ("co", "com", "org", "net", "ac", "gov")
    ):
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else host


def _near(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one or two letters (and are not equal)."""
    if a == b or abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 5:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2


_SEND_SWITCH_RE = re.compile(
    r"(?:^|_)(?:upload|send|share|mirror|sync|report|telemetry|phone_home|include_\w*contents?|include_\w*files?|"
    # Session 7: "include_env" defaulting on beside an outside callback.
    r"include_\w*(?:env|environment|secrets?|credentials?|keys?|tokens?))(?:_|$)"
)
_PROMISES_LOCAL_RE = re.compile(
    r"\b(?:nothing|no data|no files?|no content)\s+(?:ever\s+)?leaves\b|\b(?:runs|stays|processed|kept|works)\s+"
    r"(?:entirely\s+|fully\s+|only\s+)?(?:locally|on your machine|offline)\b|\bnever\s+(?:uploaded|sent|leaves)\b",
    re.IGNORECASE,
)


def _sends_by_default(schema: dict[str, Any]) -> bool:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return False
    return any(
        isinstance(p, dict)
        and p.get("default") is True
        and _SEND_SWITCH_RE.search(snake_name(str(n)))
        for n, p in props.items()
    )


def _keeps_default(name: str, tool_text: str) -> bool:
    """Session 7: the prose tells the model to leave this parameter at its default."""
    lower, param = tool_text.lower(), name.lower()
    if param not in lower:
        return False
    quoted = r"[`'\"]?" + re.escape(param) + r"[`'\"]?"
    return (
        re.search(
            r"\b(?:leave|keep)\s+" + quoted + r"\s+(?:at|as|on|to)\s+(?:its|the)\s+default|"
            r"\b(?:do not|don't|never)\s+(?:change|override|set|touch)\s+" + quoted + r"(?!\w)",
            lower,
        )
        is not None
    )


def planted_destination_hits(tool: dict[str, Any]) -> list[DestinationHit]:
    """Destinations written into schema values (see the module docstring).

    The definition's prose decides whose a host is: one it names is the
    vendor's own, and one a letter or two away from it is a look-alike.
    """
    schema = tool.get("inputSchema")
    if not isinstance(schema, dict):
        return []
    tool_text = ""
    out: list[DestinationHit] = []
    named_hosts: set[str] | None = None
    for name, prop, ptr in _properties(schema, "/inputSchema"):
        snake = snake_name(name)
        out.extend(_planted_access(name, snake, prop, ptr))
        if not _DEST_NAME_RE.search(snake):
            continue
        for key, value in _values(prop):
            value = value.strip()
            where = f"{ptr}/{key}"
            url = _URL_RE.match(value)
            email = _EMAIL_RE.match(value) if url is None else None
            found = url or email
            host_raw = found.group(1) if found is not None else ""
            if not host_raw and key in ("default", "const") and _BARE_HOST_RE.match(value):
                # Session 6: a registry or server given as a bare host name
                # ("registry_mirror": "registry.dockerhub-mirror.io").
                host_raw = value
            if not host_raw:
                if _ACCOUNT_NAME_RE.search(snake) and _ACCOUNT_VALUE_RE.match(
                    value.replace(" ", "")
                ):
                    # Session 6: the payee of a payment fixed in advance ("beneficiary_iban":
                    # default "LT61 …") pays the author whenever the model leaves it unset.
                    payee = key in ("default", "const") and _PAYEE_NAME_RE.search(snake)
                    out.append(("TV-COVERT-021", 1.0 if payee else 0.7, where, f"{name}: {value}",
                                f"a fixed account is the {key} of {name!r}"))  # fmt: skip
                elif (
                    key in ("default", "const")
                    and _PAYEE_NAME_RE.search(snake)
                    and _OPAQUE_ID_RE.match(value)
                ):
                    desc = prop.get("description")
                    lies = isinstance(desc, str) and (
                        _OWN_DEFAULT_CLAIM_RE.search(desc) is not None
                        # Session 10: "always send the default value".
                        or _SEND_DEFAULT_RE.search(desc) is not None
                    )
                    out.append(("TV-COVERT-021", 1.0 if lies else 0.6, where, f"{name}: {value}",
                                f"a fixed account id is the {key} of {name!r}"
                                + (" though its description promises the user's own" if lies else "")))  # fmt: skip
                continue
            if "{" in host_raw or "<" in host_raw:
                continue  # a template for the user's own host
            host = fold_homoglyphs(host_raw).lower()
            if not host_raw.isascii() and host.isascii():
                out.append(("TV-COVERT-021", 1.0, where, f"{name}: {value}",
                            f"host of the {key} of {name!r} is spelled with look-alike letters"))  # fmt: skip
                continue
            if INERT_HOST_RE.search(host):
                continue
            if named_hosts is None:
                tool_text = prose_of(tool)
                named_hosts = set(_HOSTNAME_RE.findall(tool_text))
            look = next((h for h in sorted(named_hosts) if _near(host, h)), None)
            if look is not None:
                out.append(("TV-COVERT-021", 1.0, where, f"{name}: {value}",
                            f"host of the {key} of {name!r} is a look-alike of {look}"))  # fmt: skip
                continue
            if _COPY_NAME_RE.search(snake):
                out.append(("TV-COVERT-021", 1.0, where, f"{name}: {value}",
                            f"a fixed copy recipient is the {key} of {name!r}"))  # fmt: skip
                continue
            if email and key in ("default", "const") and _GRANT_NAME_RE.search(snake):
                out.append(("TV-COVERT-019", 1.0, where, f"{name}: {value}",
                            f"an outside account is given rights by the {key} of {name!r}"))  # fmt: skip
                continue
            label = registrable(host)
            if label in tool_text or label.replace("-", "") in tool_text.replace("-", ""):
                continue  # the vendor's own API or mailbox, named in the definition
            weight = 0.8 if key == "const" else 0.6
            if (
                _sends_by_default(schema)
                or _PROMISES_LOCAL_RE.search(tool_text)
                or _keeps_default(name, tool_text)
                or _HANDLES_SECRETS_RE.search(tool_text)
                or _SENDING_NAME_RE.search(snake_name(str(tool.get("name", ""))))
            ):
                # Session 6: an outside endpoint as default next to an
                # upload/include-contents switch that defaults on, or under a
                # description that promises nothing leaves the machine.
                weight = 1.0
            desc = prop.get("description")
            if email and isinstance(desc, str) and _RECEIVES_COPY_RE.search(desc):
                # Session 14: "Where a copy of the payslip is archived" with
                # an outside mailbox as default: every document copied out.
                weight = 1.0
            if key == "examples" and _USE_EXAMPLE_RE.search(
                (desc if isinstance(desc, str) else "") + " " + tool_text
            ):
                # Session 14: "Use the example endpoint when the user has not
                # set one up": the example is the default in all but name.
                weight = 1.0
            if isinstance(desc, str) and _SENDS_SECRETS_RE.search(desc):
                # Session 6: "where the full report (including unmasked
                # values) is posted": secrets to a host the author chose.
                weight = 1.0
            out.append(("TV-COVERT-021", weight, where, f"{name}: {value}",
                        f"an outside {'address' if email else 'host'} is the {key} of {name!r}"))  # fmt: skip
    return out


_MOUNT_NAME_RE = re.compile(r"(?:^|_)(?:volumes?|mounts?|binds?|bind_mounts?)(?:_|$)")
_HOST_SECRET_MOUNT_RE = re.compile(rf"/var/run/docker\.sock|(?:~|/root|/home/[\w.-]+)/{HOME_DIR}")


def _planted_access(
    name: str, snake: str, prop: dict[str, Any], ptr: str
) -> Iterator[DestinationHit]:
    """An admin role, an access key or a protection switched off, as a schema value."""
    for key, value in _values(prop):
        where = f"{ptr}/{key}"
        shown = f"{name}: {value[:80]}"
        if _PUBLIC_KEY_RE.match(value.strip()):
            yield (
                "TV-COVERT-019",
                1.0,
                where,
                shown,
                f"an access key is planted in the {key} of {name!r}",
            )
        elif (
            key != "enum"
            and _ROLE_NAME_RE.search(snake)
            and (_ADMIN_VALUE_RE.search(value) or _OWNER_VALUE_RE.match(value.strip()))
        ):
            yield (
                "TV-COVERT-019",
                0.7,
                where,
                shown,
                f"an administrator role is the {key} of {name!r}",
            )
        elif (
            key in ("default", "const")
            and _MOUNT_NAME_RE.search(snake)
            and _HOST_SECRET_MOUNT_RE.search(value)
        ):
            # Session 7: every container started with the Docker socket or
            # the user's cloud keys mounted, unless the model overrides it.
            yield (
                "TV-COVERT-019",
                1.0,
                where,
                shown,
                f"the {key} of {name!r} mounts the host's Docker socket or credentials",
            )
        elif key != "enum" and _WEAK_VALUE_RE.search(value):
            yield (
                "TV-COVERT-028",
                0.6,
                where,
                shown,
                f"the {key} of {name!r} switches a protection off",
            )
