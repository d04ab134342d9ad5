"""Index versions in S3: indexes/{user_id}/{version}/{index.faiss, positions.npy, manifest.json}.

The manifest is written last, so a version whose manifest exists is complete; readers only ever go by
the pointer in Postgres anyway, which is switched after the upload. Large files move as parallel
multipart transfers through local files (the builder's and the query function's /tmp).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from boto3.s3.transfer import TransferConfig

from imagedrive.aws import client

INDEX_FILE = "index.faiss"
POSITIONS_FILE = "positions.npy"
MANIFEST_FILE = "manifest.json"
FILES = (INDEX_FILE, POSITIONS_FILE, MANIFEST_FILE)
_TRANSFER = TransferConfig(multipart_threshold=16 << 20, multipart_chunksize=16 << 20, max_concurrency=8)


def version_prefix(user_id: int, version: int) -> str:
    return f"indexes/{user_id}/{version}/"


@dataclass(frozen=True)
class IndexManifest:
    user_id: int
    version: int
    count: int
    dim: int
    model_version: str
    watermark: str | None  # ISO 8601; the newest change stamp included
    built_at: str
    build_ms: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> IndexManifest:
        return cls(**json.loads(text))


class IndexStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def upload(self, prefix: str, folder: Path, manifest: IndexManifest) -> None:
        """index.faiss and positions.npy from `folder`, then the manifest."""
        s3 = client("s3")
        for name in (INDEX_FILE, POSITIONS_FILE):
            s3.upload_file(str(folder / name), self.bucket, prefix + name, Config=_TRANSFER)
        s3.put_object(Bucket=self.bucket, Key=prefix + MANIFEST_FILE, Body=manifest.to_json().encode(),
                      ContentType="application/json")

    def download(self, prefix: str, folder: Path) -> IndexManifest:
        """The version's files into `folder`, which appears complete or not at all (concurrent readers)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            s3 = client("s3")
            for name in FILES:
                s3.download_file(self.bucket, prefix + name, str(partial / name), Config=_TRANSFER)
            os.replace(partial, folder)
        except OSError:
            if not folder.exists():  # another reader finished first: theirs is as good as ours
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return IndexManifest.from_json((folder / MANIFEST_FILE).read_text())

    def delete(self, prefix: str) -> None:
        s3 = client("s3")
        keys = [{"Key": prefix + name} for name in FILES]
        s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
