"""Login bodies: the bearer token and who it belongs to."""

from __future__ import annotations

from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    office: str | None


class Me(BaseModel):
    username: str
    role: str
    office: str | None
