"""Who may do what with categories.

- Anyone logged in sees the system categories and their own, with counts over what they can see.
- A user creates categories of their own; only an admin creates system categories.
- Only whoever may change an image (its owner) assigns or unassigns its categories, and only
  system categories or the image owner's own.
"""

from __future__ import annotations

from imagedrive import audit
from imagedrive.auth.models import CurrentUser
from imagedrive.categories import repository
from imagedrive.categories.models import CategoryChange, CategoryCreate, CategoryList, CategoryOut, ImageCategories
from imagedrive.db import transaction
from imagedrive.errors import Forbidden, NotFound
from imagedrive.images.models import ImageCategory
from imagedrive.images.repository import Cursor
from imagedrive.images.service import image_service


def list_categories(user: CurrentUser) -> CategoryList:
    with transaction() as cur:
        rows = repository.visible_to(cur, user.id)
    return CategoryList(items=[CategoryOut.model_validate(row, from_attributes=True) for row in rows])


def create_category(user: CurrentUser, request: CategoryCreate) -> CategoryOut:
    if request.system and not user.is_admin:
        raise Forbidden("only an admin can create system categories", code="admin_only")
    name = request.name.strip()
    with transaction() as cur:
        row = repository.insert(cur, name, None if request.system else user.id, request.prompt)
        audit.record(cur, "category.create", user_id=user.id, target_id=row.id, name=name, system=request.system)
    return CategoryOut.model_validate(row, from_attributes=True)


def image_categories(user: CurrentUser, image_id: int) -> ImageCategories:
    with transaction() as cur:
        image_service().visible_image(cur, user, image_id)
        return _current(cur, image_id)


def change_image_categories(user: CurrentUser, image_id: int, change: CategoryChange) -> ImageCategories:
    with transaction() as cur:
        image = image_service().modifiable_image(cur, user, image_id)
        wanted = sorted(set(change.assign))
        unknown = set(wanted) - repository.usable_for(cur, image.owner_id, wanted) if wanted else set()
        if unknown:
            raise NotFound("no such category for this image", code="category_not_found",
                           details={"category_ids": sorted(unknown)})
        if wanted:
            repository.assign(cur, image_id, wanted)
        if change.unassign:
            repository.unassign(cur, image_id, sorted(set(change.unassign)))
        audit.record(cur, "image.categories", user_id=user.id, target_id=image_id,
                     assigned=wanted, unassigned=sorted(set(change.unassign)))
        return _current(cur, image_id)


def _current(cur: Cursor, image_id: int) -> ImageCategories:
    links = image_service().images.categories_of(cur, image_id)
    return ImageCategories(image_id=image_id,
                           categories=[ImageCategory.model_validate(link, from_attributes=True) for link in links])
