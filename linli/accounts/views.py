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

from linli.accounts import devices, lockout, selectors, services
from linli.accounts.forms import LoginForm, OwnPasswordForm
from linli.accounts.middleware import ActiveCommunityMiddleware
from linli.accounts.roles import Perm
from linli.accounts.selectors import communities_of_user
from linli.core.errors import DomainError, PermissionDenied
from linli.core.paging import paginate
from linli.core.parsing import form_id
from linli.core.scoping import require_any


class LoginView(auth_views.LoginView):
    """登录. A successful login marks the browser with the device cookie (``accounts.devices``);
    after the third failure in a row for the typed name the form says how many tries are left."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    SHOW_TRIES_AFTER = 3

    def form_valid(self, form):
        response = super().form_valid(form)
        devices.remember(response, form.get_user())
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        failures, left = getattr(self.request, "linli_login_tries", (0, None))
        shown = failures >= self.SHOW_TRIES_AFTER or left == 0
        context["tries_left"] = left if shown else None
        context["locked_until"] = getattr(self.request, "linli_locked_until", None)
        return context


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
    """账号管理: a station admin's workers, volunteers and residents, with a password reset and,
    for those locked out by failed logins, an unlock."""
    require_any(request.user, Perm.USERS_MANAGE)
    users = services.password_reset_targets(request.user).order_by("username")
    page = paginate(request, users.prefetch_related("memberships__community"))
    locked = lockout.locked_users([user.pk for user in page])
    rows = [
        (user, services.password_reset_refusal(request.user, user), locked.get(user.pk))
        for user in page
    ]
    return render(request, "accounts/user_list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def user_unlock(request, user_id: int):
    """解除锁定: forget the user's failed logins so they may try again at once (audited)."""
    user = services.user_unlock(actor=request.user, user_id=user_id)
    messages.success(request, _("%(name)s can log in again.") % {"name": user})
    return redirect("accounts:user_list")


TEMPORARY_SESSION_KEY = "linli_temporary_password"


@login_required
def user_password_reset(request, user_id: int):
    """Give the user a temporary password. POST resets and redirects here; the GET shows the
    password once (kept in the session only until then), so a reload changes nothing."""
    require_any(request.user, Perm.USERS_MANAGE)
    user = services.password_reset_target(actor=request.user, user_id=user_id)
    if request.method == "POST":
        try:
            temporary = services.password_reset(actor=request.user, user_id=user_id)
        except PermissionDenied as exc:  # a user of theirs they may not reset (404s propagate)
            messages.error(request, exc.message)
            return redirect("accounts:user_list")
        request.session[TEMPORARY_SESSION_KEY] = {"user": user.pk, "password": temporary}
        return redirect("accounts:password_reset", user_id=user.pk)
    stash = request.session.get(TEMPORARY_SESSION_KEY)
    temporary = None
    if isinstance(stash, dict) and stash.get("user") == user.pk:
        temporary = request.session.pop(TEMPORARY_SESSION_KEY).get("password")
    context = {
        "target": user,
        "temporary": temporary,
        "refusal": services.password_reset_refusal(request.user, user),
    }
    response = render(request, "accounts/password_reset_done.html", context)
    response["Cache-Control"] = "no-store"
    return response
