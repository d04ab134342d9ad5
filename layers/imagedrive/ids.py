"""Identifiers as the API accepts them: a positive Postgres bigint, so an absurd id is a 404, never a crash."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

BIGINT_MAX = 2**63 - 1

DbId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
