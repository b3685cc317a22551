"""Copy the built-in AI service catalog into the extension bundle.

The catalog's home is src/threatvec/shadow/data/ai_services.json; the
extension ships a byte-identical copy at extension/src/catalog.json (a test
fails when they drift). Run after editing the catalog:

    python extension/sync_catalog.py          # copy
    python extension/sync_catalog.py --check  # exit 1 if they differ
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "threatvec" / "shadow" / "data" / "ai_services.json"
TARGET = ROOT / "extension" / "src" / "catalog.json"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        same = TARGET.exists() and TARGET.read_bytes() == SOURCE.read_bytes()
        print("in sync" if same else f"{TARGET} differs from {SOURCE}")
        return 0 if same else 1
    shutil.copyfile(SOURCE, TARGET)
    print(f"copied {SOURCE.relative_to(ROOT)} -> {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
