"""The referral kinds of the policy pack: the processes an incident can hand part of its work to (a user dispute,
an insurance claim, a law-enforcement referral...), each tracked to closure by :mod:`incidents.referrals`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReferralKindPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=75, description="what people pick in the referral form")
    description: str = ""
    due_days: int = Field(gt=0, le=365, description="days from opening to the referral's default due date")
    jira_project: str | None = Field(
        default=None, pattern=r"^[A-Z][A-Z0-9_]{1,9}$", description="the Jira project this kind's issues go to"
    )
    jira_issue_type: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description="the issue type filed there (default: the settings' VIGIL_JIRA_ISSUE_TYPE)",
    )
    source: str = Field(default="", description="where the due offset comes from (a regulation, a contract, an SLA)")
