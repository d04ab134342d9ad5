"""Images: listing, details, links, edits, deletion, stats and clearing a library."""

from __future__ import annotations

from imagedrive.api.endpoint import Call, Routes, endpoint
from imagedrive.categories import service as categories
from imagedrive.categories.models import CategoryChange, ImageCategories
from imagedrive.ids import DbId
from imagedrive.images.models import (
    ClearedLibrary,
    ClearLibrary,
    DownloadLink,
    ImageDetail,
    ImagePage,
    ImagePatch,
    ImageQuery,
    ImageStats,
    Link,
)
from imagedrive.images.service import image_service

routes = Routes()


@endpoint(routes, "/images", "GET", summary="Images you can see, filtered, sorted and paged by cursor", tag="images",
          query=ImageQuery, response=ImagePage, errors=(400,))
def list_images(call: Call) -> ImagePage:
    return image_service().list_images(call.me, call.query)


@endpoint(routes, "/images/stats", "GET", summary="Your library: count, bytes, formats", tag="images",
          response=ImageStats)
def image_stats(call: Call) -> ImageStats:
    return image_service().library_stats(call.me)


@endpoint(routes, "/images/{image_id}", "GET", summary="One image with categories, OCR text and status", tag="images",
          response=ImageDetail)
def get_image(call: Call, image_id: DbId) -> ImageDetail:
    return image_service().get_image(call.me, image_id)


@endpoint(routes, "/images/{image_id}", "PATCH", summary="Rename or change visibility (owner only)", tag="images",
          body=ImagePatch, response=ImageDetail, errors=(403,))
def update_image(call: Call, image_id: DbId) -> ImageDetail:
    return image_service().update_image(call.me, image_id, call.body)


@endpoint(routes, "/images/{image_id}", "DELETE", summary="Delete an image, its objects and derived rows", tag="images",
          status=204, errors=(403,))
def delete_image(call: Call, image_id: DbId) -> None:
    image_service().delete_image(call.me, image_id)


@endpoint(routes, "/images/{image_id}/download", "GET", summary="A short-lived link to the original", tag="images",
          response=DownloadLink)
def download_image(call: Call, image_id: DbId) -> DownloadLink:
    return image_service().download_link(call.me, image_id)


@endpoint(routes, "/images/{image_id}/thumbnail", "GET", summary="A short-lived link to the thumbnail", tag="images",
          response=Link)
def image_thumbnail(call: Call, image_id: DbId) -> Link:
    return image_service().thumbnail_link(call.me, image_id)


@endpoint(routes, "/images/{image_id}/categories", "GET", summary="The image's categories", tag="categories",
          response=ImageCategories)
def get_image_categories(call: Call, image_id: DbId) -> ImageCategories:
    return categories.image_categories(call.me, image_id)


@endpoint(routes, "/images/{image_id}/categories", "POST", summary="Assign and unassign categories by hand",
          tag="categories", body=CategoryChange, response=ImageCategories, errors=(403,))
def change_image_categories(call: Call, image_id: DbId) -> ImageCategories:
    return categories.change_image_categories(call.me, image_id, call.body)


@endpoint(routes, "/library/clear", "POST", summary='Delete every image you own; body {"confirm": "DELETE ALL"}',
          tag="images", body=ClearLibrary, response=ClearedLibrary)
def clear_library(call: Call) -> ClearedLibrary:
    return image_service().clear_library(call.me)
