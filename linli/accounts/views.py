from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.forms import LoginForm
from linli.accounts.middleware import ActiveCommunityMiddleware
from linli.accounts.selectors import communities_of_user
from linli.core.parsing import form_id


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def lockout(request, credentials, *args, **kwargs):
    """Axes' answer to a locked-out login: JSON for the API, a page for people."""
    message = _("Too many failed attempts. Try again later.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


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
