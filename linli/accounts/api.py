"""Auth and identity endpoints: token, me, communities."""

import datetime

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.accounts import selectors, services
from linli.core.api import API_AUTH, ErrorOut, LimitOffset, RecordId, Text

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: Text
    password: Text
    name: Text = Field("", max_length=50, description="The device, shown in the token list.")


class TokenOut(Schema):
    token: str


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime


class MembershipOut(Schema):
    role: str
    role_label: str
    community_id: int | None
    street_id: int | None
    name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    memberships: list[MembershipOut]


class CommunityOut(Schema):
    id: int
    code: str
    name: str
    street_id: int
    street_name: str = Field(..., alias="street.name")


@router.post(
    "/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
)
def token(request, payload: TokenIn):
    """Exchange a username (or mobile number) and password for a bearer token.

    Shares the login page's lockout (429, with ``Retry-After``). Without a ``name`` the token is
    named after the User-Agent. Refused (403) while the user must change a temporary
    password on the web. A token expires after ``LINLI_API_TOKEN_DAYS`` days without use."""
    user = authenticate(request, username=payload.username[:150], password=payload.password)
    if getattr(request, "linli_locked_out", False):
        return Status(429, {"detail": _("Too many failed attempts. Try again later.")})
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    key = services.api_token_issue(
        actor=user, name=payload.name, user_agent=request.META.get("HTTP_USER_AGENT", "")
    )
    return Status(200, {"token": key})


@router.get("/auth/tokens", auth=API_AUTH, response=list[TokenInfoOut])
def token_list(request):
    """The caller's own tokens still in force (the token itself is never shown again)."""
    return list(selectors.api_token_list(request.user))


@router.delete("/auth/tokens/{token_id}", auth=API_AUTH, response={204: None, 404: ErrorOut})
def token_revoke(request, token_id: RecordId):
    """Revoke one of the caller's tokens (another user's answers 404)."""
    services.api_token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)


@router.get("/me", auth=API_AUTH, response=MeOut)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "memberships": [
            {
                "role": m.role,
                "role_label": m.get_role_display(),
                "community_id": m.community_id,
                "street_id": m.street_id,
                "name": str(m.community or m.street),
            }
            for m in selectors.membership_list(user)
        ],
    }


@router.get("/communities", auth=API_AUTH, response=list[CommunityOut], tags=["places"])
@paginate(LimitOffset)
def communities(request):
    """The communities the caller belongs to (street admins: all of their street's)."""
    return selectors.communities_of_user(request.user)
