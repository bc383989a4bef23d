from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from linli.core.forms import BootstrapForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Wrong username, mobile number or password."),
        "inactive": _("This account is disabled."),
    }


class OwnPasswordForm(BootstrapForm, PasswordChangeForm):
    """Django's own checks: the current password, the new one twice, the password validators.
    After a reset (``must_change_password``) the current password is the temporary one, and the
    first box says so."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if user.must_change_password:
            self.fields["old_password"].label = _("Temporary password")
            self.error_messages = {
                **self.error_messages,
                "password_incorrect": _(
                    "That is not the temporary password your administrator gave you. "
                    "Please type it again."
                ),
            }

    def save(self, commit=True):  # pragma: no cover - the view saves through the service
        raise NotImplementedError("Use accounts.services.password_change.")
