"""Index versions in S3: indexes/{user_id}/{version}/{index.faiss, positions.npy, [vectors.npy,] manifest.json}.

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
from botocore.exceptions import ClientError

from imagedrive.aws import client
from imagedrive.storage import is_missing, s3_objects
from imagedrive.telemetry import tracer

INDEX_FILE = "index.faiss"
POSITIONS_FILE = "positions.npy"
MANIFEST_FILE = "manifest.json"
FILES = (INDEX_FILE, POSITIONS_FILE, MANIFEST_FILE)  # of every version; a manifest may name more
_TRANSFER = TransferConfig(multipart_threshold=16 << 20, multipart_chunksize=16 << 20, max_concurrency=8)


class IndexUnavailable(Exception):
    """A version's files are missing from S3 or cannot be read; searches fall back to Postgres and the
    version is rebuilt."""


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
    kind: str = "flat"  # imagedrive.indexing.search_index
    files: tuple[str, ...] = (INDEX_FILE, POSITIONS_FILE)  # besides the manifest; written before it

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> IndexManifest:
        fields = json.loads(text)
        if "files" in fields:
            fields["files"] = tuple(fields["files"])
        return cls(**fields)


def read_manifest(path: Path) -> IndexManifest:
    try:
        return IndexManifest.from_json(path.read_text())
    except (ValueError, TypeError) as error:
        raise IndexUnavailable(f"unreadable manifest {path.name}: {error}") from error


class IndexStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @tracer.capture_method
    def upload(self, prefix: str, folder: Path, manifest: IndexManifest) -> None:
        """The files the manifest names from `folder`, then the manifest."""
        s3 = client("s3")
        for name in manifest.files:
            s3.upload_file(str(folder / name), self.bucket, prefix + name, Config=_TRANSFER)
        s3.put_object(Bucket=self.bucket, Key=prefix + MANIFEST_FILE, Body=manifest.to_json().encode(),
                      ContentType="application/json")

    @tracer.capture_method
    def download(self, prefix: str, folder: Path) -> IndexManifest:
        """The version's files into `folder`, which appears complete or not at all (concurrent readers)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            s3 = client("s3")
            name = MANIFEST_FILE
            s3.download_file(self.bucket, prefix + name, str(partial / name), Config=_TRANSFER)
            for name in read_manifest(partial / MANIFEST_FILE).files:
                s3.download_file(self.bucket, prefix + name, str(partial / name), Config=_TRANSFER)
            os.replace(partial, folder)
        except ClientError as error:
            if is_missing(error):
                raise IndexUnavailable(f"{prefix}{name} is missing") from error
            raise
        except OSError:
            if not folder.exists():  # another reader finished first: theirs is as good as ours
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return read_manifest(folder / MANIFEST_FILE)

    def problem(self, prefix: str, count: int) -> str | None:
        """Why the version under `prefix` cannot serve (a file missing, a manifest that does not
        describe `count` vectors), or None; reads only the listing and the small manifest."""
        present = {o.key.removeprefix(prefix) for o in s3_objects().list_objects(self.bucket, prefix)}
        missing = [name for name in FILES if name not in present]
        if missing:
            return f"missing {', '.join(missing)}"
        try:
            body = client("s3").get_object(Bucket=self.bucket, Key=prefix + MANIFEST_FILE)["Body"].read()
            manifest = IndexManifest.from_json(body.decode())
        except (ValueError, TypeError, UnicodeDecodeError) as error:
            return f"unreadable manifest: {error}"
        missing = [name for name in manifest.files if name not in present]
        if missing:
            return f"missing {', '.join(missing)}"
        if manifest.count != count:
            return f"the manifest names {manifest.count} vectors, the version {count}"
        return None

    @tracer.capture_method
    def delete(self, prefix: str) -> None:
        s3 = client("s3")
        keys = [{"Key": o.key} for o in s3_objects().list_objects(self.bucket, prefix)]  # whatever the kind wrote
        if not keys:
            return
        s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
