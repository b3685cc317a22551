"""Write src/threatvec/detect/data/covert_derived.json (issue #4).

Imports the detector with the table off, so every regex rewrite and needle
set is derived afresh and recorded, then writes what was recorded. Run it
after changing any of the detector's patterns (the test
tests/detect/test_covert_derived.py fails until the table is rewritten).

    .venv/bin/python tools/covert_derived.py [--check]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "threatvec" / "detect" / "data" / "covert_derived.json"

_DUMP = (
    "import json, sys\n"
    "import threatvec.detect.covert\n"
    "from threatvec.detect._covert_derived import recorded\n"
    "json.dump(recorded(), sys.stdout, ensure_ascii=False, separators=(',', ':'))\n"
)


def fresh_table() -> str:
    """The table as a fresh process with the table off derives it (JSON text)."""
    env = {**os.environ, "THREATVEC_COVERT_TABLE": "off"}
    done = subprocess.run(
        [sys.executable, "-c", _DUMP], env=env, capture_output=True, text=True, check=True
    )
    # One value per line: a changed pattern shows as a one-line diff.
    table = json.loads(done.stdout)
    lines = [f'{{"format":{table["format"]},"values":{{']
    items = list(table["values"].items())
    for i, (key, value) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)}{sep}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main() -> int:
    text = fresh_table()
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run tools/covert_derived.py", file=sys.stderr)
            return 1
        print("up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text):,} bytes, {text.count(chr(10)) - 2} values)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
