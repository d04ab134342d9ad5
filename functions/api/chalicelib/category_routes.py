"""GET and POST /categories."""

from __future__ import annotations

from imagedrive.api.endpoint import Call, Routes, endpoint
from imagedrive.categories import service
from imagedrive.categories.models import CategoryCreate, CategoryList, CategoryOut

routes = Routes()


@endpoint(routes, "/categories", "GET", summary="System categories and yours, with counts", tag="categories",
          response=CategoryList)
def list_categories(call: Call) -> CategoryList:
    return service.list_categories(call.me)


@endpoint(routes, "/categories", "POST", summary="Create a category (system ones: admins only)", tag="categories",
          body=CategoryCreate, response=CategoryOut, status=201, errors=(403, 409))
def create_category(call: Call) -> CategoryOut:
    return service.create_category(call.me, call.body)
