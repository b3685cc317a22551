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


def test_a_password_in_a_url_is_redacted_the_user_and_host_kept() -> None:
    text = (
        "ConnectError for https://svc:hunter2-pw@feed.example/x and "
        "postgresql+psycopg://tv:p%40ss:w0rd@db:5432/tv; http://host:8080/@ok"
    )
    out = redact(text)
    assert "hunter2-pw" not in out and "p%40ss" not in out and "w0rd" not in out
    assert "https://svc:[REDACTED]@feed.example/x" in out
    assert "postgresql+psycopg://tv:[REDACTED]@db:5432/tv" in out
    assert "http://host:8080/@ok" in out  # a port, not a password
