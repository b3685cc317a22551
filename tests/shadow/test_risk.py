"""The HIGH / MEDIUM / LOW verdict and its reasons, and agreement with the posture formula."""

from __future__ import annotations

import pytest

from threatvec.posture.dimensions import ShadowServiceInput, shadow_risk_level
from threatvec.shadow.risk import assess_service


def test_known_unregistered_is_medium() -> None:
    v = assess_service(known=True, registered=False, approved=False, pii_counts={})
    assert v.level == "MEDIUM" and v.reasons == ("known AI service, not registered",)


def test_unknown_is_high_even_without_pii() -> None:
    v = assess_service(known=False, registered=False, approved=False, pii_counts={})
    assert v.level == "HIGH" and "unknown, unclassified AI service" in v.reasons


def test_pii_makes_unregistered_high_with_counts() -> None:
    v = assess_service(
        known=True,
        registered=False,
        approved=False,
        pii_counts={"EMAIL": 3, "US_SSN": 1, "PHONE": 0},
    )
    assert v.level == "HIGH"
    assert v.reasons[0] == "PII seen in data sent to it: EMAIL (3), US_SSN (1)"
    assert v.factors["pii_categories"] == ("EMAIL", "US_SSN")


def test_registered_and_approved_is_low() -> None:
    v = assess_service(known=True, registered=True, approved=True, pii_counts={})
    assert v.level == "LOW" and v.rank == 1


def test_registered_but_not_approved_is_not_low() -> None:
    v = assess_service(known=True, registered=True, approved=False, pii_counts={})
    assert v.level == "MEDIUM" and "registered but not approved" in v.reasons[0]


def test_pii_to_registered_service_is_high_unless_allowed() -> None:
    sent = {"EMAIL": 4, "CREDIT_CARD": 1}
    v = assess_service(known=True, registered=True, approved=True, pii_counts=sent)
    assert v.level == "HIGH" and v.disallowed_pii == ("CREDIT_CARD", "EMAIL")
    v = assess_service(
        known=True, registered=True, approved=True, pii_counts=sent, allowed_pii=["EMAIL"]
    )
    assert v.level == "HIGH" and v.disallowed_pii == ("CREDIT_CARD",)
    v = assess_service(
        known=True,
        registered=True,
        approved=True,
        pii_counts=sent,
        allowed_pii=["EMAIL", "CREDIT_CARD"],
    )
    assert v.level == "LOW" and "received only allowed PII" in v.reasons[1]
    # allowed categories mean nothing while the registration is not approved
    v = assess_service(
        known=True,
        registered=True,
        approved=False,
        pii_counts=sent,
        allowed_pii=["EMAIL", "CREDIT_CARD"],
    )
    assert v.level == "HIGH"


@pytest.mark.parametrize(
    ("known", "registered", "pii", "allowed"),
    [
        (True, False, {}, ()),
        (False, False, {}, ()),
        (True, False, {"EMAIL": 1}, ()),
        (True, True, {}, ()),
        (True, True, {"EMAIL": 1}, ("EMAIL",)),
        (True, True, {"EMAIL": 1}, ()),
    ],
)
def test_same_level_as_the_posture_input_we_derive(known, registered, pii, allowed) -> None:
    v = assess_service(
        known=known, registered=registered, approved=registered, pii_counts=pii, allowed_pii=allowed
    )
    trusted = registered and not v.disallowed_pii
    level, _ = shadow_risk_level(
        ShadowServiceInput(
            "s", "svc", registered=trusted, known=known, pii_uploads=sum(pii.values())
        )
    )
    assert level == v.level
