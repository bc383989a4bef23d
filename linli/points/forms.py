from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import BootstrapForm
from linli.points.models import EarningKind


class EarningRuleForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Rule"), choices=EarningKind.choices)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=1000)
    starts_on = forms.DateField(
        label=_("From"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Why"), max_length=200, required=False)
