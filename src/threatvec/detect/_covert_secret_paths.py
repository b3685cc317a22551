"""Where credentials live on a developer's machine: one list for every rule (issue #4).

Several rules ask "is this path a secret file?": the contents of a key file
asked for in prose or in a parameter slot, a path that climbs out of the
tool's folder, a host folder mounted into a container, a secret file's
contents routed into an argument. They used to carry their own lists, which
drifted apart (one knew ``.pypirc``, another ``.gnupg``, a third neither).
Each now builds its pattern from the names below, so a file added here is
known to all of them.

Patterns are regex source fragments for lower-cased text, with no groups
that capture. Standard library only.
"""

from __future__ import annotations

__all__ = [
    "BROWSER_STORE",
    "ENV_VARS",
    "HASH_TABLES",
    "HOME_DIR",
    "KEY_FILE",
    "SECRET_FILE",
    "SECRET_NAME",
    "TRAVERSAL_TARGET",
]

# Folders under the home directory that hold keys, tokens or cloud profiles.
_HOME_DIRS = ("ssh", "aws", "kube", "docker", "gnupg", "azure", "config/gcloud", "config/gh")
# Single dotfiles that hold passwords or registry tokens (".env" in any folder).
_DOTFILES = ("env", "netrc", "npmrc", "pypirc", "pgpass", "git-credentials")
# Private key files by their default names.
KEY_FILE = (
    r"\bid_(?:rsa|ed25519|ecdsa|dsa)\b"
    # Session 11: private keys by a glob or a bundle name ("*.pem", "client.p12").
    r"|\*\.(?:pem|key|p12|pfx|ppk|jks|keystore)\b|\b[\w-]+\.(?:p12|pfx|ppk)\b"
)
# System files that hold or control password hashes.
_SYSTEM = ("passwd", "shadow", "sudoers")


def _alt(names: tuple[str, ...]) -> str:
    return "|".join(n.replace(".", r"\.") for n in names)


# The process environment as data ("every environment variable"), but not
# one variable being set ("set the environment variable X_TELEMETRY=0", session 9).
ENV_VARS = (
    r"\benv(?:ironment)? var(?:iable)?s?\b(?!\s+[`'\"]?[a-z][a-z0-9_]*\s*=)"
    # Session 11: "every variable from the local shell environment".
    r"|\b(?:every|all|each) (?:\w+ )?variables? (?:from|in|of) (?:the |your )?"
    r"(?:local |current |user's )?(?:shell )?environment\b"
    # Session 11: by name in other languages ("环境变量 DATABASE_URL").
    r"|环境变量|環境変数|환경 ?변수|переменн\w+ (?:окружения|среды)|\bortam değişken\w*|"
    r"\bzmienn\w+ środowisk\w*|\bbiến môi trường\b|\bvariabel lingkungan\b|"
    r"\bvariabili d'ambiente\b|"
    r"\bvariáveis de ambiente\b|\bvariables? de entorno\b|\bumgebungsvariabl\w*|"
    r"\bvariables? d'environnement\b|\bomgevingsvariabel\w*|\bmiljövariab\w*"
)
# Database tables that hold password hashes, named as data to copy out.
HASH_TABLES = r"\bpg_(?:shadow|authid)\b|\bpassword hashes\b"
# A home folder of keys or profiles by its name: ".ssh", ".config/gcloud".
HOME_DIR = rf"\.(?:{_alt(_HOME_DIRS)})\b"
# Session 15: a browser's cookie and password stores ("~/.config/google-chrome/
# Default/Cookies", Firefox's "cookies.sqlite" and "logins.json", the macOS
# keychains): whoever holds them is logged in as the user.
BROWSER_STORE = (
    r"\b(?:google-chrome|chromium|bravesoftware|microsoft[/ ]edge|chrome)/[^\s'\"`]*?/"
    r"(?:cookies|login data|web data)\b|\bcookies\.(?:sqlite|binarycookies)\b|\blogins\.json\b|"
    r"\bkey4\.db\b|\blibrary/keychains\b"
)
# A secret file or folder named anywhere in a path: ".ssh", ".aws", ".env",
# "id_rsa", "etc/shadow" (what a path that climbs out of its folder reaches).
SECRET_NAME = (
    rf"{HOME_DIR}|\.(?:{_alt(_DOTFILES)})\b|{KEY_FILE}|\betc/(?:{_alt(_SYSTEM)})\b|{BROWSER_STORE}"
)
# The same reached by climbing out of the tool's folder, plus a repository's
# own config, which holds remote URLs with tokens in them.
TRAVERSAL_TARGET = rf"{SECRET_NAME}|\.git/config\b"
# A concrete secret file as a user or attacker writes it: "~/.ssh/id_rsa",
# "~/.aws/credentials", "~/.netrc", "deploy/.env", "/etc/shadow", "id_ed25519".
SECRET_FILE = (
    rf"~/\.(?:{_alt(_HOME_DIRS)})/\S*|\S*\.(?:{_alt(_DOTFILES)})\b|\S*(?:{KEY_FILE})|/etc/shadow\b|"
    # Session 15: profile folders often hold a space ("Application Support").
    rf"(?:~|/)[^\n'\"`]*?(?:{BROWSER_STORE})|\S*(?:{BROWSER_STORE})"
)
