import requests


def test_health_over_http_against_chalice_local(api_url):
    response = requests.get(f"{api_url}/health", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"
