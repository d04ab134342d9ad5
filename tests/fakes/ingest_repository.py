"""IngestRepository in memory (imagedrive.ingest.repository.IngestRepository)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imagedrive.indexing.stale import Users, affected_users
from imagedrive.ingest.repository import NOT_READY, DerivedData, ExistingImage, ReadyImage
from imagedrive.ingest.targets import IngestTarget, Owner
from imagedrive.storage import ObjectRef


@dataclass
class StoredImage:
    id: int
    owner_id: int
    uri: str
    checksum: str
    status: str
    visibility: str
    filename: str
    error: str | None = None
    derived: DerivedData | None = None
    thumbnail_key: str | None = None
    categories: dict[int, str] = field(default_factory=dict)  # category id → 'auto' | 'manual'


class MemoryIngestRepository:
    def __init__(self) -> None:
        self.users: dict[int, tuple[str, bool]] = {}  # id → (username, is_system)
        self.images: dict[int, StoredImage] = {}
        self.categories: dict[int, tuple[str, int | None, str | None]] = {}  # id → (name, owner, prompt)
        self.audit: list[tuple[str, dict[str, Any]]] = []
        self.stale: list[Users] = []

    # -- set-up helpers for tests --------------------------------------------------------------------
    def add_user(self, username: str, *, system: bool = False) -> int:
        user_id = len(self.users) + 1
        self.users[user_id] = (username, system)
        return user_id

    def add_category(self, name: str, owner_id: int | None = None, prompt: str | None = None) -> int:
        category_id = len(self.categories) + 1
        self.categories[category_id] = (name, owner_id, prompt)
        return category_id

    def actions(self) -> list[str]:
        return [action for action, _ in self.audit]

    # -- IngestRepository --------------------------------------------------------------------------------
    def upload_owner(self, user_id: int) -> int | None:
        user = self.users.get(user_id)
        return user_id if user is not None and not user[1] else None

    def drop_owner(self, username: str) -> Owner | None:
        for user_id, (name, system) in self.users.items():
            if name.lower() == username.lower():
                return Owner(user_id, system)
        return None

    def find_by_checksum(self, owner_id: int, checksum: str) -> ExistingImage | None:
        for image in self.images.values():
            if image.owner_id == owner_id and image.checksum == checksum:
                return ExistingImage(image.id, image.status, image.uri)
        return None

    def _insert(self, target: IngestTarget, uri: str, checksum: str, status: str, error: str | None) -> int | None:
        if self.find_by_checksum(target.owner_id, checksum) is not None:
            return None  # the (owner_id, checksum) unique constraint
        image_id = max(self.images, default=0) + 1
        self.images[image_id] = StoredImage(image_id, target.owner_id, uri, checksum, status, target.visibility,
                                            target.filename, error)
        return image_id

    def insert_pending(self, target: IngestTarget, *, uri: str, checksum: str, size: int, mime: str | None,
                       width: int, height: int) -> int | None:
        return self._insert(target, uri, checksum, "PENDING", None)

    def record_rejected(self, key: str, target: IngestTarget | None, *, kept: ObjectRef, reason: str,
                        checksum: str | None, size: int) -> int | None:
        image_id = None
        if target is not None and checksum is not None:
            image_id = self._insert(target, kept.uri, checksum, "FAILED", reason)
        self.audit.append(("ingest_failed", {"target_id": image_id, "key": key, "reason": reason}))
        return image_id

    def record_duplicate_upload(self, owner_id: int, existing_id: int, key: str) -> None:
        self.audit.append(("duplicate_upload", {"target_id": existing_id, "key": key}))

    def find_donor(self, checksum: str, model_version: str) -> DerivedData | None:
        for image in self.images.values():
            if (image.checksum == checksum and image.status == "READY" and image.derived is not None
                    and image.derived.model_version == model_version):
                return image.derived
        return None

    def category_prompts(self, owner_id: int) -> list[tuple[int, str]]:
        return [(category_id, prompt or f"a photo of {name}")
                for category_id, (name, owner, prompt) in sorted(self.categories.items())
                if owner is None or owner == owner_id]

    def _fail(self, image: StoredImage, reason: str, from_statuses: tuple[str, ...]) -> bool:
        if image.status not in from_statuses:
            return False
        image.status, image.error = "FAILED", reason
        return True

    def embedding_failed(self, image_id: int, owner_id: int, reason: str) -> None:
        self._fail(self.images[image_id], reason, NOT_READY)
        self.audit.append(("embedding_failed", {"target_id": image_id, "reason": reason}))

    def write_ready(self, ready: ReadyImage) -> Users:
        image, target = self.images[ready.image_id], ready.target
        if target.category:
            owner = None if target.visibility == "system" else target.owner_id
            found = [i for i, (name, o, _) in self.categories.items()
                     if o == owner and name.lower() == target.category.lower()]
            image.categories[found[0] if found else self.add_category(target.category, owner)] = "manual"
        for category_id, _ in ready.auto_categories:
            image.categories.setdefault(category_id, "auto")
        image.status, image.error, image.derived = "READY", None, ready.derived
        image.thumbnail_key = ready.thumbnail_key
        self.audit.append(("image_ready", {"target_id": ready.image_id, "key": ready.key, "copied": ready.copied}))
        users = affected_users(target.owner_id, target.visibility)
        self.stale.append(users)
        return users

    def abandon(self, uri: str, reason: str) -> bool:
        changed = [image for image in self.images.values() if image.uri == uri and self._fail(image, reason,
                                                                                               ("PENDING",))]
        for image in changed:
            self.audit.append(("ingest_abandoned", {"target_id": image.id, "reason": reason}))
        return bool(changed)
