"""Integrations that hook popular AI client libraries when they are importable.

Each integration module exposes `install() -> None` (idempotent, may import the
hooked library) and records through `active_client()`. Patching is
process-wide; whether a patched call records is decided per call by
`recording_client(name)`, so an integration can be turned off by option and a
stopped client records nothing.

A library that is installed but not yet imported is *not* imported by the SDK
(that could cost the host a second at startup): a post-import hook patches it
the moment the host imports it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from threatvec.sdk.client import ThreatVec

__all__ = [
    "INTEGRATIONS",
    "active_client",
    "enabled_integrations",
    "recording_client",
    "set_active_client",
    "setup_integrations",
]

logger = logging.getLogger("threatvec")

# name → (module that triggers installation, our integration module)
INTEGRATIONS: dict[str, tuple[str, str]] = {
    "openai": ("openai", "threatvec.sdk.integrations.openai"),
    "anthropic": ("anthropic", "threatvec.sdk.integrations.anthropic"),
    "langchain": ("langchain_core", "threatvec.sdk.integrations.langchain"),
    "mcp": ("mcp", "threatvec.sdk.integrations.mcp"),
}

_active: ThreatVec | None = None
_installed: set[str] = set()
_install_lock = threading.RLock()


def set_active_client(client: ThreatVec | None) -> None:
    global _active
    _active = client


def active_client() -> ThreatVec | None:
    return _active


def recording_client(name: str) -> ThreatVec | None:
    """The client that should record for integration `name`, or None (then just call through)."""
    client = _active
    if client is None or not client._integration_on(name):
        return None
    return client


def enabled_integrations(option: Mapping[str, bool] | bool) -> list[str]:
    """Names turned on by the `integrations` option (True = all, list = only those)."""
    if option is True:
        return list(INTEGRATIONS)
    if option is False:
        return []
    only = bool(option.get("__only__"))
    return [name for name in INTEGRATIONS if option.get(name, not only)]


def _install(name: str) -> None:
    with _install_lock:
        if name in _installed:
            return
        module = importlib.import_module(INTEGRATIONS[name][1])
        install: Callable[[], None] = module.install
        install()
        _installed.add(name)
        logger.debug("threatvec: %s integration installed", name)


def _safe_install(name: str) -> None:
    try:
        _install(name)
    except Exception:
        logger.warning("threatvec: could not install the %s integration", name, exc_info=True)


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then our callbacks; restores the real loader afterwards."""

    def __init__(self, real: importlib.abc.Loader, on_loaded: Callable[[], None]) -> None:
        self._real = real
        self._on_loaded = on_loaded

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        if spec is not None:
            spec.loader = self._real
        module.__loader__ = self._real
        self._real.exec_module(module)
        self._on_loaded()

    def __getattr__(self, item: str) -> Any:
        return getattr(self._real, item)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.pending: dict[str, list[str]] = {}
        self._busy = threading.local()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.pending or getattr(self._busy, "name", None) == fullname:
            return None
        self._busy.name = fullname
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy.name = None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None

        def on_loaded() -> None:
            # Popped only now: a mere find_spec (e.g. framework detection) must not use it up.
            with _install_lock:
                names = self.pending.pop(fullname, [])
            for name in names:
                _safe_install(name)

        spec.loader = _PatchingLoader(spec.loader, on_loaded)
        return spec


_finder = _PostImportFinder()


def setup_integrations(option: Mapping[str, bool] | bool) -> list[str]:
    """Install (or arrange to install on import) every enabled integration; returns their names."""
    names: list[str] = []
    for name in enabled_integrations(option):
        trigger = INTEGRATIONS[name][0]
        if name in _installed:
            names.append(name)
            continue
        if trigger in sys.modules:
            _safe_install(name)
            if name in _installed:
                names.append(name)
            continue
        try:
            available = importlib.util.find_spec(trigger) is not None
        except (ImportError, ValueError):
            available = False
        if not available:
            continue
        with _install_lock:
            waiting = _finder.pending.setdefault(trigger, [])
            if name not in waiting:
                waiting.append(name)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
        names.append(name)
    return names
