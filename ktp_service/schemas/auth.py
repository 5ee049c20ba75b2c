"""Login bodies: the bearer token and who it belongs to."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    office: str | None
    must_change_password: bool = False


class Me(BaseModel):
    username: str
    role: str
    office: str | None


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)
