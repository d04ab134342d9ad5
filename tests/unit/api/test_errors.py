import pytest
from pydantic import BaseModel, ValidationError

from imagedrive import errors
from imagedrive.api.errors import error_body, error_headers, from_validation, status_for


@pytest.mark.parametrize(("error", "status"), [
    (errors.BadRequest("x"), 400), (errors.Unauthenticated("x"), 401), (errors.Forbidden("x"), 403),
    (errors.NotFound("x"), 404), (errors.Conflict("x"), 409), (errors.PayloadTooLarge("x"), 413),
    (errors.UnsupportedMediaType("x"), 415), (errors.InvalidInput("x"), 422),
    (errors.Throttled("x", retry_after_s=9), 429), (errors.DomainError("x"), 500),
])
def test_each_domain_error_has_its_status(error, status):
    assert status_for(error) == status


def test_the_one_error_shape_and_retry_after():
    assert error_body("not_found", "no such image") == {
        "error": {"code": "not_found", "message": "no such image", "details": None}}
    assert error_headers(errors.Throttled("slow down", retry_after_s=0)) == {"Retry-After": "1"}
    assert error_headers(errors.NotFound("x")) == {}


class _Login(BaseModel):
    username: str
    password: str


def test_malformed_json_is_400_and_invalid_values_422_without_echoing_inputs():
    with pytest.raises(ValidationError) as malformed:
        _Login.model_validate_json(b"{not json")
    assert status_for(from_validation(malformed.value, "body")) == 400
    with pytest.raises(ValidationError) as invalid:
        _Login.model_validate_json(b'{"username": "a", "password": 5}')
    error = from_validation(invalid.value, "body")
    assert status_for(error) == 422 and error.code == "validation_failed"
    assert error.details[0]["loc"] == ["body", "password"]
    assert "5" not in str(error.details)
