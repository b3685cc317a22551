from threatvec.core import keys


def test_keys_are_random_and_verify_only_themselves() -> None:
    a, b = keys.generate_key(), keys.generate_key()
    assert a != b and a.startswith("tvk_") and len(a) > 40
    stored = keys.hash_key(a)
    assert a not in stored
    assert keys.verify_key(a, stored)
    assert not keys.verify_key(b, stored)
    assert keys.key_prefix(a) != keys.key_prefix(b)
