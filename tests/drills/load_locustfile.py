"""The load drill's simulated users (run by locust in its own process: gevent patches the whole
interpreter). Each picks an account the drill prepared and mixes uploads, listing and every search kind;
a request counts as failed only when its response is ≥ 500 or there is no response at all (the two are
told apart in the failure message).

IMAGEDRIVE_LOAD_ACCOUNTS: JSON [{"token": …}], IMAGEDRIVE_LOAD_IMAGE_IDS: JSON [ids everyone can see],
IMAGEDRIVE_LOAD_PICTURE: a small JPEG, base64 (the image-search query)."""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

ACCOUNTS = json.loads(os.environ["IMAGEDRIVE_LOAD_ACCOUNTS"])
IMAGE_IDS = json.loads(os.environ["IMAGEDRIVE_LOAD_IMAGE_IDS"])
PICTURE_B64 = os.environ["IMAGEDRIVE_LOAD_PICTURE"]
WORDS = ["a red car", "receipt", "cat on a sofa", "mountain lake", "invoice 4711", "北京", "plate RE16"]
_next_account = itertools.count()


class DriveUser(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.client.headers["Authorization"] = f"Bearer {account['token']}"

    def _send(self, method: str, path: str, name: str, **kwargs):
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code == 0:  # no response at all: the connection was refused or reset
                response.failure(f"no response: {type(response.error).__name__}: {response.error}"[:300])
            elif response.status_code >= 500:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            else:
                response.success()
            return response

    @task(4)
    def list_images(self) -> None:
        self._send("GET", f"/images?limit=50&sort={random.choice(['newest', 'name'])}", "GET /images")

    @task(3)
    def text_search(self) -> None:
        self._send("POST", "/search/text", "POST /search/text", json={"q": random.choice(WORDS), "k": 20})

    @task(2)
    def ocr_search(self) -> None:
        self._send("POST", "/search/ocr", "POST /search/ocr", json={"q": random.choice(WORDS), "k": 20})

    @task(2)
    def hybrid_search(self) -> None:
        self._send("POST", "/search/hybrid", "POST /search/hybrid", json={"q": random.choice(WORDS), "k": 20})

    @task(2)
    def image_search(self) -> None:
        self._send("POST", "/search/image", "POST /search/image", json={"image_b64": PICTURE_B64, "k": 20})

    @task(2)
    def similar(self) -> None:
        image_id = random.choice(IMAGE_IDS)
        self._send("GET", f"/images/{image_id}/similar?k=10", "GET /images/{id}/similar")

    @task(1)
    def duplicates(self) -> None:
        self._send("GET", "/images/duplicates?s_min=0.95", "GET /images/duplicates")

    @task(2)
    def upload(self) -> None:
        data = random.randbytes(64) + b"load drill"
        presigned = self._send("POST", "/upload", "POST /upload", json={
            "filename": f"load-{random.getrandbits(32)}.png", "content_type": "image/png", "size": len(data)})
        if presigned.status_code != 200:
            return
        post = presigned.json()
        self._send("POST", post["url"], "S3 presigned POST", data=post["fields"],
                   files={"file": ("x.png", data, "image/png")})
