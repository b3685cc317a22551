"""Stage the shared registry files with only the entries whose modules are staged.

Helpers add one line each to shared registries (routers, models, demo seeds,
jobs, CLI sub-apps) while their modules are still untracked; this stages each
registry as the working copy minus lines naming a module that is not in the
index, so a commit never references code it does not contain.
"""

from __future__ import annotations

import re
import subprocess
import sys

REGISTRIES = [
    "src/threatvec/server/app.py",
    "src/threatvec/store/models.py",
    "src/threatvec/demo/__init__.py",
    "src/threatvec/demo/runtime.py",
    "src/threatvec/jobs/registry.py",
    "src/threatvec/cli/__init__.py",
    "src/threatvec/server/web/pages/settings.py",
]
MODULE = re.compile(r'"(threatvec(?:\.[a-z_0-9]+)+)"')


def staged_files() -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached"], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def module_staged(module: str, files: set[str]) -> bool:
    path = "src/" + module.replace(".", "/")
    return f"{path}.py" in files or f"{path}/__init__.py" in files


def _without_unstaged(line: str, files: set[str]) -> str | None:
    """The line without unstaged module entries; None when nothing else was on it."""
    missing = [m for m in MODULE.findall(line) if not module_staged(m, files)]
    if not missing:
        return line
    if re.fullmatch(r'\s*(\("[a-z_]+", )?"threatvec[a-z_.0-9]+"\)?,?\s*(#.*)?', line.rstrip("\n")):
        return None
    for module in missing:
        line = re.sub(rf',\s*"{re.escape(module)}"', "", line)
        line = re.sub(rf'"{re.escape(module)}",\s*', "", line)
        line = line.replace(f'"{module}"', "")
    return line


def main() -> None:
    files = staged_files()
    for reg in REGISTRIES:
        with open(reg, encoding="utf-8") as fh:
            text = fh.read()
        kept = [
            filtered
            for line in text.splitlines(keepends=True)
            if (filtered := _without_unstaged(line, files)) is not None
        ]
        blob = subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            input="".join(kept),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        subprocess.run(["git", "update-index", "--cacheinfo", f"100644,{blob},{reg}"], check=True)
        dropped = len(text.splitlines()) - len(kept)
        if dropped:
            print(f"{reg}: left out {dropped} line(s) naming unstaged modules", file=sys.stderr)


if __name__ == "__main__":
    main()
