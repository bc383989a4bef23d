from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import BootstrapForm
from linli.people.models import Consent
from linli.places.models import Grid
from linli.volunteers.models import WEEKDAYS, Period, Skill, Team, Volunteer

WEEKDAY_LABELS = {
    "mon": _("Mon"),
    "tue": _("Tue"),
    "wed": _("Wed"),
    "thu": _("Thu"),
    "fri": _("Fri"),
    "sat": _("Sat"),
    "sun": _("Sun"),
}


class VolunteerRegisterForm(BootstrapForm):
    consent_method = forms.ChoiceField(
        label=_("How the resident consented to volunteering"), choices=Consent.Method.choices
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grids = forms.ModelMultipleChoiceField(
        label=_("Service area (grids)"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = Grid.objects.filter(community_id=community_id)
        for name in ("skills", "grids"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        for day in WEEKDAYS:
            self.fields[f"free_{day}"] = forms.MultipleChoiceField(
                label=WEEKDAY_LABELS[day],
                choices=Period.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            )

    def availability(self) -> dict[str, list[str]]:
        return {day: self.cleaned_data.get(f"free_{day}") or [] for day in WEEKDAYS}


class TeamForm(BootstrapForm):
    name = forms.CharField(label=_("Team name"), max_length=100)
    description = forms.CharField(
        label=_("What the team does"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    leader = forms.ModelChoiceField(
        label=_("Leader"), queryset=Volunteer.objects.none(), required=False
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Volunteer.objects.filter(
            community_id=community_id
        ).select_related("person")


class AddMemberForm(BootstrapForm):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = (
            Volunteer.objects.filter(community_id=team.community_id)
            .exclude(memberships__team=team, memberships__status__in=["pending", "approved"])
            .select_related("person")
        )


class DecideForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason (needed to reject)"), max_length=200, required=False)


class HoursForm(BootstrapForm):
    """The station records hours for a volunteer (volunteers submit on their phone pages later)."""

    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())
    served_on = forms.DateField(
        label=_("Served on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_value=24, decimal_places=2
    )
    description = forms.CharField(label=_("What was done"), max_length=200)

    def __init__(self, *args, community_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.filter(
            community_id__in=community_ids, status=Volunteer.Status.ACTIVE
        ).select_related("person")


class StarPolicyForm(BootstrapForm):
    one_star = forms.IntegerField(label=_("Hours for ★"), min_value=1, max_value=100000)
    two_stars = forms.IntegerField(label=_("Hours for ★★"), min_value=1, max_value=100000)
    three_stars = forms.IntegerField(label=_("Hours for ★★★"), min_value=1, max_value=100000)
    four_stars = forms.IntegerField(label=_("Hours for ★★★★"), min_value=1, max_value=100000)
    five_stars = forms.IntegerField(label=_("Hours for ★★★★★"), min_value=1, max_value=100000)
    min_points = forms.IntegerField(
        label=_("Points earned in the year to be rated"), min_value=0, max_value=100000
    )

    def thresholds(self) -> list[int]:
        d = self.cleaned_data
        return [d["one_star"], d["two_stars"], d["three_stars"], d["four_stars"], d["five_stars"]]


class MyHoursForm(BootstrapForm):
    """A volunteer submits their own hours on the phone (someone else verifies them)."""

    served_on = forms.DateField(
        label=_("Served on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=24,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    description = forms.CharField(label=_("What was done"), max_length=200)
    team = forms.ModelChoiceField(
        label=_("For the team"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(
            memberships__volunteer=volunteer, memberships__status="approved"
        )
