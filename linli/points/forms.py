from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import DATE, BootstrapForm
from linli.points.models import EarningKind, GrantPurpose, Reward


class EarningRuleForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Rule"), choices=EarningKind.choices)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=1000)
    starts_on = forms.DateField(
        label=_("From"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Why"), max_length=200, required=False)


class RewardForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Reward.Kind.choices)
    provider_name = forms.CharField(label=_("Offered by"), max_length=100)
    provider_user = forms.ModelChoiceField(
        label=_("Partner login that confirms pickups"),
        queryset=None,
        required=False,
        help_text=_("Optional: a partner business's login may then confirm pickups itself."),
    )
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )
    price = forms.IntegerField(label=_("Points price"), min_value=1, max_value=100000)
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=100000)
    monthly_limit = forms.IntegerField(
        label=_("Limit per person per month"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Empty: no limit."),
    )
    valid_from = forms.DateField(label=_("Valid from"), initial=timezone.localdate, **DATE)
    valid_until = forms.DateField(label=_("Valid until"), **DATE)
    is_active = forms.BooleanField(label=_("On offer"), required=False, initial=True)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        from linli.accounts.models import User
        from linli.accounts.roles import Role

        self.fields["provider_user"].queryset = User.objects.filter(
            memberships__community_id=community_id, memberships__role=Role.PARTNER
        ).distinct()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        provider = data.pop("provider_user")
        data["provider_user_id"] = provider.pk if provider else None
        return data


class FulfilForm(BootstrapForm):
    code = forms.CharField(label=_("Voucher code"), max_length=20)


class GrantForm(BootstrapForm):
    recipient = forms.IntegerField(
        label=_("Resident"),
        widget=forms.Select,
        help_text=_("Residents in need of this community (with a tag or 80+)."),
    )
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100000)
    purpose = forms.ChoiceField(label=_("Purpose (shown publicly)"), choices=GrantPurpose.choices)
    note = forms.CharField(label=_("Note (not public)"), max_length=200, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].widget.choices = [("", "—")] + choices


class DonateForm(BootstrapForm):
    to = forms.ChoiceField(
        label=_("Give to"),
        choices=[("pool", _("The community points pool")), ("person", _("A neighbour"))],
        widget=forms.RadioSelect,
        initial="pool",
    )
    recipient_mobile = forms.CharField(
        label=_("Neighbour's mobile number"),
        max_length=20,
        required=False,
        help_text=_("Only when giving to a neighbour."),
    )
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100000)
    message = forms.CharField(label=_("A few words (optional)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs["class"] = "form-check-input"
