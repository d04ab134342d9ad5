"""The shapes of the category routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from imagedrive.ids import DbId
from imagedrive.images.models import ImageCategory


class CategoryOut(BaseModel):
    id: int
    name: str
    system: bool
    prompt: str | None
    image_count: int = Field(description="images in it that the caller can see")
    created_at: datetime


class CategoryList(BaseModel):
    items: list[CategoryOut]


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    prompt: str | None = Field(None, min_length=1, max_length=300, description="zero-shot prompt for auto-tagging")
    system: bool = Field(False, description="a category for everyone; admins only")


class CategoryChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assign: list[DbId] = Field(default_factory=list, max_length=100)
    unassign: list[DbId] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _something_to_change(self) -> CategoryChange:
        if not self.assign and not self.unassign:
            raise ValueError("give categories to assign or unassign")
        if set(self.assign) & set(self.unassign):
            raise ValueError("a category cannot be both assigned and unassigned")
        return self


class ImageCategories(BaseModel):
    image_id: int
    categories: list[ImageCategory]
