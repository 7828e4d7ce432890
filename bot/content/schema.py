"""The front matter of an FAQ entry, validated with pydantic."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=55)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class CrisisInfo(BaseModel):
    """`content/crisis/<lang>.yaml`: what signals immediate danger, and the answer per country."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signals: list[Phrase] = Field(min_length=1)
    message: dict[Literal["FI", "EE"], Annotated[str, StringConstraints(min_length=1)]]
    sources: list[AnyHttpUrl] = Field(min_length=1)
    reviewed: date


class FrontMatter(BaseModel):
    """What an FAQ file says about itself between its `---` lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntryId
    category: Literal["health", "jobs", "unions", "living", "community"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    questions: list[Phrase] = Field(min_length=3)
    keywords: list[Phrase] = Field(default_factory=list)
    related: list[EntryId] = Field(default_factory=list)
    actions: list[Literal["handoff", "events"]] = Field(default_factory=list)
    sources: list[AnyHttpUrl] = Field(min_length=1)
    reviewed: date
