"""The OpenAPI document lists exactly the routes the app serves, with the schemas they declared."""

from imagedrive.api.openapi import document
from localcloud.paths import REPO_ROOT
from localcloud.runner import load_handler

UNDOCUMENTED = {"/health", "/openapi.json"}


def test_every_route_and_method_is_documented_and_nothing_else():
    app = load_handler(REPO_ROOT / "functions" / "api" / "app.py", "app")
    doc = document(app.routes, title="t", version="1")
    served = {(path, method.lower()) for path, methods in app.routes.items() if path not in UNDOCUMENTED
              for method in methods}
    documented = {(path, method) for path, operations in doc["paths"].items() for method in operations}
    assert served == documented
    assert doc["openapi"].startswith("3.")


def test_operations_reference_existing_schemas_and_declare_auth_and_errors():
    app = load_handler(REPO_ROOT / "functions" / "api" / "app.py", "app")
    doc = document(app.routes, title="t", version="1")
    schemas = doc["components"]["schemas"]
    image = doc["paths"]["/images/{image_id}"]["get"]
    assert image["security"] == [{"bearer": []}]
    assert {"200", "401", "404"} <= set(image["responses"])
    assert image["parameters"][0]["schema"]["minimum"] == 1
    login = doc["paths"]["/auth/login"]["post"]
    assert "security" not in login and "429" in login["responses"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] in schemas
    listing_params = {p["name"] for p in doc["paths"]["/images"]["get"]["parameters"]}
    assert {"cursor", "limit", "sort", "status", "category", "visibility", "q"} <= listing_params
