"""Forms of the visit pages; they shape input, the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import MOMENT, BootstrapForm
from linli.orders.models import Category, Urgency
from linli.people.models import Tag
from linli.people.widgets import PersonPicker
from linli.visits.models import Visit
from linli.visits.rules import RULE_TAGS

NEED_ROWS = 3


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


class VisitForm(BootstrapForm):
    """The phone-friendly visit form: a few taps, the findings, and any needs found."""

    person = forms.IntegerField(label=_("Resident"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Visit.Kind.choices, widget=forms.RadioSelect, initial="home"
    )
    visited_at = forms.DateTimeField(label=_("When"), initial=_now, **MOMENT)
    minutes = forms.IntegerField(
        label=_("How long (minutes)"), min_value=1, max_value=600, initial=30
    )
    wellbeing = forms.TypedChoiceField(
        label=_("How is the person? (1 very poor – 5 very good)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    conditions = forms.ChoiceField(
        label=_("Living conditions"),
        choices=[("", _("Not seen (phone)")), *Visit.Conditions.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    companions = forms.CharField(label=_("Went with"), max_length=100, required=False)
    findings = forms.CharField(
        label=_("What did you find?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, community_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget = PersonPicker(community_id=community_id)
        for i in range(NEED_ROWS):
            self.fields[f"need_{i}_category"] = forms.ChoiceField(
                label=_("Need found"),
                choices=[("", "—"), *Category.choices],
                required=False,
            )
            self.fields[f"need_{i}_urgency"] = forms.ChoiceField(
                label=_("Urgency"), choices=Urgency.choices, initial="this_week", required=False
            )
            self.fields[f"need_{i}_description"] = forms.CharField(
                label=_("What is needed"), max_length=500, required=False
            )
        for name, field in self.fields.items():
            if name.startswith("need_"):
                field.widget.attrs["class"] = field.widget.attrs.get("class", "").replace(
                    "form-select", "form-select form-select-sm"
                )

    def need_rows(self):
        return [
            (self[f"need_{i}_category"], self[f"need_{i}_urgency"], self[f"need_{i}_description"])
            for i in range(NEED_ROWS)
        ]

    def main_fields(self):
        return [self[n] for n in ("kind", "visited_at", "minutes", "wellbeing", "conditions")]

    def service_data(self) -> dict:
        data = self.cleaned_data
        needs = [
            {
                "category": data[f"need_{i}_category"],
                "urgency": data[f"need_{i}_urgency"] or "this_week",
                "description": data[f"need_{i}_description"],
            }
            for i in range(NEED_ROWS)
            if data.get(f"need_{i}_category") or data.get(f"need_{i}_description")
        ]
        return {
            "person_id": data["person"],
            "kind": data["kind"],
            "visited_at": data["visited_at"],
            "minutes": data["minutes"],
            "wellbeing": data["wellbeing"],
            "conditions": data["conditions"],
            "companions": data["companions"],
            "findings": data["findings"],
            "needs": needs,
        }


def tag_choices():
    labels = dict(Tag.choices)
    return [(t, labels.get(t, t)) for t in RULE_TAGS]


class RuleForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    tags = forms.MultipleChoiceField(
        label=_("People carrying all of these tags (none: anyone in need)"),
        choices=tag_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone_days = forms.IntegerField(
        label=_("Phone call every (days)"), min_value=1, max_value=366, required=False
    )
    home_days = forms.IntegerField(
        label=_("Home visit every (days)"), min_value=1, max_value=366, required=False
    )
    priority = forms.IntegerField(
        label=_("Order (lower is checked first)"), min_value=0, max_value=1000, initial=10
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TargetForm(BootstrapForm):
    monthly_target = forms.IntegerField(
        label=_("Visits a month per worker"), min_value=0, max_value=500
    )
