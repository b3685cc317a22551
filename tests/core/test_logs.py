import io
import logging

from threatvec.core.logs import configure_logging, redact


def test_redact_patterns() -> None:
    text = (
        "key tvk_abcdefghijklmnopqrstuvwxyz0123 and Bearer abc.def.ghijkl and "
        "X-Org-Key: supersecretvalue and sk-proj-abcdefghijklmnop password=hunter22"
    )
    out = redact(text)
    for secret in (
        "tvk_abcdefghij",
        "abc.def.ghijkl",
        "supersecretvalue",
        "sk-proj-abcdefgh",
        "hunter22",
    ):
        assert secret not in out
    assert "[REDACTED]" in out


def test_logged_secrets_are_redacted() -> None:
    ours = logging.getLogger("threatvec")
    saved = (ours.handlers[:], ours.level, ours.propagate)
    stream = io.StringIO()
    configure_logging(fmt="json", level="INFO", stream=stream)
    try:
        logging.getLogger("threatvec.test").info("calling with key %s", "tvk_" + "z" * 30)
    finally:
        # leave the process's logging as other tests found it (they capture via root)
        ours.handlers[:], ours.level, ours.propagate = saved
    err = stream.getvalue()
    assert "zzzzzzzzzz" not in err and "[REDACTED]" in err and '"level": "info"' in err
