"""Auth and identity endpoints: token, me, communities."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from linli.accounts import selectors, services
from linli.core.api import API_AUTH, ErrorOut, LimitOffset, Text

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: Text
    password: Text


class TokenOut(Schema):
    token: str


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


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def token(request, payload: TokenIn):
    """Exchange a username (or mobile number) and password for a bearer token."""
    user = authenticate(request, username=payload.username[:150], password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(429, {"detail": _("Too many failed attempts. Try again later.")})
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    return Status(200, {"token": services.api_token_issue(actor=user)})


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
