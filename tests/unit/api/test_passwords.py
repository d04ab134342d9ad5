import pytest

from imagedrive.auth import passwords
from imagedrive.errors import InvalidInput


@pytest.mark.parametrize(
    "password", ["short-1", "x" * 129, "alice-is-my-name-ok", "aaaaaaaaaaaaaaaa", "abababababababab"])
def test_policy_refuses_short_long_username_bearing_and_monotonous_passwords(password):
    with pytest.raises(InvalidInput) as refused:
        passwords.check_policy(password, "alice")
    assert refused.value.code == "weak_password"


def test_policy_accepts_a_long_passphrase():
    passwords.check_policy("correct horse battery staple", "alice")


def test_hash_is_argon2id_salted_and_verifies_only_the_password():
    first, second = passwords.hash_password("correct horse"), passwords.hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify(first, "correct horse")
    assert not passwords.verify(first, "correct horsE")
    assert not passwords.verify("not a hash", "correct horse")


def test_verification_for_an_unknown_user_still_hashes_and_never_succeeds():
    passwords.spend_verification_time("anything")
    assert not passwords.verify(passwords._dummy_hash(), "anything")
