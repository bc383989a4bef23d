"""Login, the user's own password and API tokens, and a station admin's password resets."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts import selectors, services
from linli.accounts.forms import LoginForm, OwnPasswordForm
from linli.accounts.middleware import ActiveCommunityMiddleware
from linli.accounts.roles import Perm
from linli.accounts.selectors import communities_of_user
from linli.core.errors import DomainError, PermissionDenied
from linli.core.paging import paginate
from linli.core.parsing import form_id
from linli.core.scoping import require_any


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_POST
def switch_community(request):
    """The community switcher: remember the chosen community (or all) in the session."""
    chosen = form_id(request, "community")
    if chosen is not None and communities_of_user(request.user).filter(pk=chosen).exists():
        request.session[ActiveCommunityMiddleware.SESSION_KEY] = chosen
    else:
        request.session.pop(ActiveCommunityMiddleware.SESSION_KEY, None)
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@login_required
def password_change(request):
    """修改密码: the user's own password. They stay logged in here; their API tokens end."""
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("core:dashboard")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": request.user.must_change_password},
    )


@login_required
def token_list(request):
    """我的令牌: the user's API tokens (phone apps), each revocable."""
    context = {
        "tokens": selectors.api_token_list(request.user),
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "accounts/token_list.html", context)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    services.api_token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("The token has been revoked; that device must log in again."))
    return redirect("accounts:token_list")


@login_required
def user_list(request):
    """账号管理: a station admin's workers, volunteers and residents, with a password reset."""
    require_any(request.user, Perm.USERS_MANAGE)
    users = services.password_reset_targets(request.user).order_by("username")
    page = paginate(request, users.prefetch_related("memberships__community"))
    rows = [(user, services.password_reset_refusal(request.user, user)) for user in page]
    return render(request, "accounts/user_list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def user_password_reset(request, user_id: int):
    """Give the user a temporary password, shown once on this page."""
    require_any(request.user, Perm.USERS_MANAGE)
    try:
        temporary = services.password_reset(actor=request.user, user_id=user_id)
    except PermissionDenied as exc:  # a user of theirs they may not reset (404s propagate)
        messages.error(request, exc.message)
        return redirect("accounts:user_list")
    user = services.password_reset_targets(request.user).get(pk=user_id)
    response = render(
        request, "accounts/password_reset_done.html", {"target": user, "temporary": temporary}
    )
    response["Cache-Control"] = "no-store"
    return response
