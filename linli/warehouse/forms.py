from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.forms import DATE, BootstrapForm
from linli.people.widgets import PersonPicker
from linli.warehouse.models import (
    AdjustmentReason,
    Category,
    Distribution,
    Donation,
    Location,
)
from linli.warehouse.selectors import item_choices, location_choices

QTY = {"max_digits": 9, "decimal_places": 3, "min_value": 0}


class ItemForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    unit = forms.CharField(label=_("Unit"), max_length=10, help_text=_("袋, 桶, 件, 盒…"))
    fair_value = forms.DecimalField(
        label=_("Fair value per unit (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )
    tracks_expiry = forms.BooleanField(label=_("Track expiry dates"), required=False)
    barcode = forms.CharField(label=_("Barcode"), max_length=32, required=False)
    prescription_only = forms.BooleanField(
        label=_("Prescription-only (never accepted)"), required=False
    )
    lendable = forms.BooleanField(label=_("Lent from the tool library"), required=False)
    loan_days = forms.IntegerField(
        label=_("Loan period (days)"), min_value=1, max_value=365, initial=14
    )
    points_price = forms.IntegerField(
        label=_("Supermarket price (points)"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("Empty: not sold at the charity supermarket till."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["fair_value_fen"] = int(data.pop("fair_value") * 100)
        return data


class LocationForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Location.Kind.choices)
    parent = forms.ModelChoiceField(
        label=_("Inside"), queryset=Location.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, community_id: int, exclude_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Location.objects.filter(
            community_id=community_id, parent__isnull=True
        ).exclude(pk=exclude_id)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        parent = data.pop("parent")
        data["parent_id"] = parent.pk if parent else None
        return data


class StockLevelForm(BootstrapForm):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    minimum = forms.DecimalField(label=_("Minimum"), required=False, **QTY)
    recommended = forms.DecimalField(label=_("Recommended"), required=False, **QTY)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["item"].queryset = item_choices(community_id)


class DonationForm(BootstrapForm):
    location = forms.ModelChoiceField(label=_("Received into"), queryset=None)
    donor_kind = forms.ChoiceField(label=_("Donor"), choices=Donation.DonorKind.choices)
    donor_person = forms.IntegerField(
        label=_("Resident"), required=False, help_text=_("Only for a resident donor: earns points.")
    )
    donor_name = forms.CharField(
        label=_("Business or organisation"), max_length=100, required=False
    )
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate, **DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["location"].queryset = location_choices(community_id)
        self.fields["donor_person"].widget = PersonPicker(community_id=community_id)


class LineForm(forms.Form):
    """One line of goods (in or out); an empty line is skipped."""

    item = forms.ModelChoiceField(label=_("Item"), queryset=None, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), required=False, **QTY)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else (
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm"
                )
            )
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        if data.get("item") and data.get("quantity") is None:
            self.add_error("quantity", _("Give the quantity."))
        if data.get("quantity") and not data.get("item"):
            self.add_error("item", _("Choose the item."))
        return data

    @property
    def is_filled(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("item"))


class DonationLineForm(LineForm):
    expires_on = forms.DateField(label=_("Expires on"), required=False, **DATE)
    value = forms.DecimalField(
        label=_("Value (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Empty: the item's fair value."),
    )
    unopened = forms.BooleanField(label=_("Unopened"), required=False)


class OutLineForm(LineForm):
    lot = forms.IntegerField(
        label=_("Lot"), required=False, min_value=1, help_text=_("Empty: first expiry first.")
    )


LINES = 8


def line_formset(form_class, *, data=None, items, extra: int = LINES):
    factory = forms.formset_factory(form_class, extra=extra, max_num=50, validate_max=True)
    return factory(data, prefix="lines", form_kwargs={"items": items})


class DistributionForm(BootstrapForm):
    location = forms.ModelChoiceField(
        label=pgettext_lazy("handout", "From warehouse"), queryset=None
    )
    recipient_kind = forms.ChoiceField(
        label=_("Given to"), choices=Distribution.RecipientKind.choices
    )
    person = forms.IntegerField(label=_("Resident"), required=False)
    household = forms.IntegerField(
        label=_("Household of this resident"),
        required=False,
        help_text=_("Pick any member: the goods go to the whole household."),
    )
    occasion = forms.CharField(label=_("Activity or incident"), max_length=100, required=False)
    distributed_on = forms.DateField(
        label=pgettext_lazy("handout", "Handed out on"), initial=timezone.localdate, **DATE
    )
    signed_by = forms.CharField(label=_("Signed for by"), max_length=50, required=False)
    receipt = forms.FileField(
        label=_("Photo of the signed receipt"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "data-shrink-images": True}
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["location"].queryset = location_choices(community_id)
        self.fields["person"].widget = PersonPicker(community_id=community_id)
        self.fields["household"].widget = PersonPicker(community_id=community_id)


class TransferForm(BootstrapForm):
    from_location = forms.ModelChoiceField(
        label=pgettext_lazy("stock transfer", "From"), queryset=None
    )
    to_location = forms.ModelChoiceField(label=pgettext_lazy("stock transfer", "To"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["from_location"].queryset = location_choices(community_id)
        self.fields["to_location"].queryset = location_choices(community_id)


class WriteOffForm(BootstrapForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (r.value, r.label)
            for r in (AdjustmentReason.EXPIRED, AdjustmentReason.DAMAGED, AdjustmentReason.LOST)
        ],
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, help_text=_("Empty: all of it."), **QTY
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CountLineAddForm(BootstrapForm):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    expires_on = forms.DateField(label=_("Expires on"), required=False, **DATE)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["item"].queryset = item_choices(community_id)


class PledgeForm(BootstrapForm):
    pledger_kind = forms.ChoiceField(label=_("Pledged by"), choices=Donation.DonorKind.choices)
    person = forms.IntegerField(label=_("Resident"), required=False)
    pledger_name = forms.CharField(
        label=_("Business or organisation"), max_length=100, required=False
    )
    service = forms.CharField(label=_("Service offered"), max_length=100)
    hours_per_month = forms.DecimalField(
        label=_("Hours a month"), max_digits=5, decimal_places=1, min_value=0, required=False
    )
    available_from = forms.DateField(label=_("Available from"), initial=timezone.localdate, **DATE)
    available_until = forms.DateField(label=_("Available until"), required=False, **DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget = PersonPicker(community_id=community_id)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["person_id"] = data.pop("person")
        return data


class MedicineCheckForm(BootstrapForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Release for sharing")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TillStartForm(BootstrapForm):
    location = forms.ModelChoiceField(label=_("Shelf"), queryset=None)
    person = forms.IntegerField(label=_("Customer"), required=False)
    card = forms.CharField(
        label=_("Or scan the customer's card"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["location"].queryset = location_choices(
            community_id, kinds=(Location.Kind.SUPERMARKET,)
        )
        self.fields["person"].widget = PersonPicker(community_id=community_id)


class TillAddForm(BootstrapForm):
    barcode = forms.CharField(
        label=_("Scan a barcode"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    item = forms.ModelChoiceField(label=_("Or pick the item"), queryset=None, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["item"].queryset = item_choices(community_id, points_price__isnull=False)

    def clean(self):
        data = super().clean()
        if not data.get("item") and not data.get("barcode"):
            raise forms.ValidationError(_("Scan a barcode or pick the item."))
        return data


class QuotaGrantForm(BootstrapForm):
    everyone = forms.BooleanField(
        label=_("Every eligible household that has no quota this month yet"), required=False
    )
    person = forms.IntegerField(
        label=_("Or one resident's household"),
        required=False,
    )
    item = forms.ModelChoiceField(
        label=_("A quota of goods"),
        queryset=None,
        required=False,
        help_text=_("Empty: a quota in points."),
    )
    amount = forms.IntegerField(
        label=_("Points (or units of the goods) this month"), min_value=1, max_value=100000
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["person"].widget = PersonPicker(community_id=community_id)
        self.fields["item"].queryset = item_choices(community_id, lendable=False).exclude(
            category="medicine"
        )

    def clean(self):
        data = super().clean()
        if not data.get("everyone") and not data.get("person"):
            raise forms.ValidationError(_("Choose a resident, or every eligible household."))
        return data


class LoanForm(BootstrapForm):
    item = forms.ModelChoiceField(label=_("Tool"), queryset=None)
    location = forms.ModelChoiceField(label=_("Lent from"), queryset=None)
    borrower = forms.IntegerField(label=_("Borrower"))
    deposit_points = forms.IntegerField(
        label=_("Deposit (points)"), min_value=0, max_value=10000, initial=0, required=False
    )
    condition_out = forms.CharField(label=_("Condition when lent"), max_length=200, required=False)

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["item"].queryset = item_choices(community_id, lendable=True)
        self.fields["location"].queryset = location_choices(community_id)
        self.fields["borrower"].widget = PersonPicker(community_id=community_id)


class LoanReturnForm(BootstrapForm):
    condition_in = forms.CharField(
        label=_("Condition when returned"), max_length=200, required=False
    )
    lost = forms.BooleanField(label=_("The tool is lost"), required=False)
