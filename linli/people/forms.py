"""Forms parse and shape input; the rules live in ``services``."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from linli.core.forms import BootstrapForm
from linli.people.models import SETTABLE_TAGS, Consent, Gender, Household, Person, Tag
from linli.people.roster_import import too_large_message
from linli.people.selectors import AGE_BANDS
from linli.places.models import Community, Compound, Grid

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, pinyin initials, last 4 of mobile"), "type": "search"}
        ),
    )
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False
    )
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=Compound.objects.none(), required=False
    )
    tag = forms.ChoiceField(
        label=_("Tag"), choices=[("", _("All tags")), *Tag.choices], required=False
    )
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=[("", _("All ages"))] + [(k, v[2]) for k, v in AGE_BANDS.items()],
        required=False,
    )

    def __init__(self, *args, community_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(id__in=community_ids)
        self.fields["grid"].queryset = Grid.objects.filter(
            community_id__in=community_ids
        ).select_related("community")
        self.fields["compound"].queryset = Compound.objects.filter(community_id__in=community_ids)
        self.fields["community"].empty_label = _("All communities")
        self.fields["grid"].empty_label = _("All grids")
        self.fields["compound"].empty_label = _("All compounds")
        if len(community_ids) > 1:
            self.fields["grid"].label_from_instance = lambda g: f"{g.community.name} · {g.name}"


class PersonForm(BootstrapForm):
    """Create or edit a resident. ID and mobile are never pre-filled: blank keeps what is stored."""

    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("18 characters; the birth date and gender are checked against it."),
    )
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE_WIDGET)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=Compound.objects.none(), required=False
    )
    address = forms.CharField(
        label=_("Building and door"),
        max_length=100,
        required=False,
        help_text=_("For example 3栋2单元501"),
    )
    guardian = forms.ModelChoiceField(
        label=_("Guardian"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("For a minor: an adult of the same household."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, communities, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["community"].queryset = communities
        community_ids = list(communities.values_list("pk", flat=True))
        self.fields["compound"].queryset = Compound.objects.filter(
            community_id__in=community_ids
        ).select_related("grid")
        self.fields["compound"].label_from_instance = lambda c: f"{c.grid.name} · {c.name}"
        if person is not None:
            self.fields.pop("community")
            if person.id_number_masked:
                self.fields["id_number"].widget.attrs["placeholder"] = person.id_number_masked
                self.fields["id_number"].help_text = _("Leave blank to keep the stored number.")
            if person.mobile_masked:
                self.fields["mobile"].widget.attrs["placeholder"] = person.mobile_masked
                self.fields["mobile"].help_text = _("Leave blank to keep the stored number.")
            if person.household_id:
                self.fields["guardian"].queryset = Person.objects.filter(
                    household_id=person.household_id
                ).exclude(pk=person.pk)
            else:
                self.fields.pop("guardian")
        else:
            self.fields.pop("guardian")
            if len(community_ids) == 1:
                self.fields["community"].initial = community_ids[0]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "gender": data["gender"],
            "birth_date": data["birth_date"],
            "compound_id": data["compound"].pk if data["compound"] else None,
            "address": data["address"],
            "notes": data["notes"],
        }
        if "guardian" in self.fields:
            fields["guardian_id"] = data["guardian"].pk if data["guardian"] else None
        # Blank on edit keeps the stored number; on create it means "none".
        for secret in ("id_number", "mobile"):
            if data[secret] or self.person is None:
                fields[secret] = data[secret]
        if self.person is not None and not data["birth_date"]:
            fields.pop("birth_date")
        return fields


class TagForm(BootstrapForm):
    tag = forms.ChoiceField(label=_("Tag"), choices=SETTABLE_TAGS)
    start_date = forms.DateField(label=_("From"), initial=datetime.date.today, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EndTagForm(BootstrapForm):
    end_date = forms.DateField(label=_("Until"), initial=datetime.date.today, widget=DATE_WIDGET)


class ConsentForm(BootstrapForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    method = forms.ChoiceField(label=_("Method"), choices=Consent.Method.choices)
    given_on = forms.DateField(label=_("Given on"), initial=datetime.date.today, widget=DATE_WIDGET)
    guardian = forms.ModelChoiceField(
        label=_("Guardian who consented"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        if person.household_id:
            self.fields["guardian"].queryset = Person.objects.filter(
                household_id=person.household_id
            ).exclude(pk=person.pk)
        if person.guardian_id:
            self.fields["guardian"].queryset = self.fields[
                "guardian"
            ].queryset | Person.objects.filter(pk=person.guardian_id)
            self.fields["guardian"].initial = person.guardian_id


class HouseholdCreateForm(BootstrapForm):
    address = forms.CharField(label=_("Building and door"), max_length=100)
    compound = forms.ModelChoiceField(
        label=_("Compound"), queryset=Compound.objects.none(), required=False
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Compound.objects.filter(community_id=person.community_id)
        self.fields["compound"].initial = person.compound_id
        self.fields["address"].initial = person.address


class HouseholdJoinForm(BootstrapForm):
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none())
    relation_to_head = forms.CharField(
        label=_("Relation to head"), max_length=20, help_text=_("For example 配偶, 子女, 孙子女")
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Household.objects.filter(community_id=person.community_id).select_related(
            "compound", "head"
        )
        if person.compound_id:
            qs = qs.filter(compound_id=person.compound_id)
        self.fields["household"].queryset = qs.order_by("address")
        self.fields["household"].label_from_instance = lambda h: (
            f"{h} · {h.head.name if h.head_id else ''}"
        )


class ImportUploadForm(BootstrapForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        help_text=_("Columns: 姓名 性别 身份证号 手机号 网格 小区 楼栋门牌 标签"),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        ids = list(communities.values_list("pk", flat=True))
        if len(ids) == 1:
            self.fields["community"].initial = ids[0]

    def clean_file(self):
        """Refuse an oversized upload before a byte of it is read into memory or parsed."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.LINLI_IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


class ImportConfirmForm(BootstrapForm):
    update_existing = forms.BooleanField(
        label=_("Update the residents already registered with these ID numbers"), required=False
    )
