"""`import threatvec` loads the standard library only, and `__all__` tells the truth."""

from __future__ import annotations

import json
import subprocess
import sys

from .capture_server import subprocess_env

PROBE = """
import json, sys
before = set(sys.modules)
import threatvec
tv = threatvec.ThreatVec(server_url="http://127.0.0.1:9", agent_name="x", integrations=True)
tv.record_tool_call("t")
added = sorted(set(sys.modules) - before)
outside = [m for m in added if m.split(".")[0] not in sys.stdlib_module_names
           and m.split(".")[0] != "threatvec"]
print(json.dumps({"outside": outside, "all": threatvec.__all__,
                  "missing": [n for n in threatvec.__all__ if not hasattr(threatvec, n)],
                  "public": sorted(n for n in vars(threatvec) if not n.startswith("_")
                                   and not isinstance(getattr(threatvec, n), type(sys)))}))
"""


def test_import_is_stdlib_only_and_all_is_honest():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outside"] == []
    assert report["missing"] == []
    assert sorted(report["all"]) == ["ThreatVec", "__version__"]
    assert report["public"] == ["ThreatVec"]


def test_sdk_modules_declare_all():
    import importlib
    import pkgutil

    import threatvec.sdk

    for info in pkgutil.iter_modules(threatvec.sdk.__path__, "threatvec.sdk."):
        if info.name.startswith("threatvec.sdk.integrations."):
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, info.name
        assert all(hasattr(module, name) for name in exported), info.name
