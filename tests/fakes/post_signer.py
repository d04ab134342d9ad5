"""PostSigner in memory (imagedrive.uploads.presign.PostSigner): records what it was asked to sign. The real
signer's policy is proven against S3 by tests/integration/api/test_uploads.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from imagedrive.storage import ObjectRef
from imagedrive.uploads.presign import SignedPost


@dataclass(frozen=True)
class Signed:
    ref: ObjectRef
    content_type: str
    max_bytes: int
    ttl_s: int


@dataclass
class MemoryPostSigner:
    signed: list[Signed] = field(default_factory=list)

    def presigned_post(self, ref: ObjectRef, *, content_type: str, max_bytes: int, ttl_s: int) -> SignedPost:
        self.signed.append(Signed(ref, content_type, max_bytes, ttl_s))
        return SignedPost(f"memory://{ref.bucket}", {"key": ref.key, "Content-Type": content_type})
