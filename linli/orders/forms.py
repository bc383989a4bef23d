"""Forms of the orders pages: they only shape input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from linli.core.forms import DATE, MOMENT, BootstrapForm
from linli.orders.models import Category, Need, Resource, Urgency
from linli.people.widgets import PersonPicker


class NeedForm(BootstrapForm):
    person = forms.IntegerField(label=_("Resident"), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    source = forms.ChoiceField(label=_("Found by"), choices=Need.Source.choices)
    description = forms.CharField(
        label=_("What is needed"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, community_id: int | None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget = PersonPicker(community_id=community_id)
        if editing:
            del self.fields["person"], self.fields["source"]


class NeedStatusForm(BootstrapForm):
    status = forms.ChoiceField(label=_("New status"), choices=Need.Status.choices)
    reason = forms.CharField(label=_("Reason (needed to close)"), max_length=200, required=False)


class ResourceForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Resource.Kind.choices)
    category = forms.ChoiceField(label=_("Helps with"), choices=Category.choices)
    title = forms.CharField(label=_("What is offered"), max_length=100)
    offered_by = forms.CharField(label=_("Offered by"), max_length=100)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    capacity = forms.CharField(
        label=_("How much"),
        max_length=100,
        required=False,
        help_text=_("For example: 20 haircuts a month"),
    )
    available_until = forms.DateField(label=_("Available until"), required=False, **DATE)
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class OrderForm(BootstrapForm):
    """A worker orders for a resident (代点单)."""

    person = forms.IntegerField(label=_("Resident"))
    category = forms.ChoiceField(label=_("Service"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="this_week")
    description = forms.CharField(
        label=_("What is needed"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    wanted_at = forms.DateTimeField(label=_("Wanted at (optional)"), required=False, **MOMENT)

    def __init__(self, *args, community_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].widget = PersonPicker(community_id=community_id)


class ResidentOrderForm(BootstrapForm):
    """The resident's own order on a phone: what, how soon, a few words."""

    category = forms.ChoiceField(
        label=_("What help do you need?"), choices=Category.choices, widget=forms.RadioSelect
    )
    urgency = forms.ChoiceField(
        label=_("How soon?"),
        choices=[
            (Urgency.WITHIN_48H, _("In the next two days")),
            (Urgency.THIS_WEEK, _("This week")),
            (Urgency.FLEXIBLE, _("Any time")),
        ],
        initial=Urgency.THIS_WEEK,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("Tell us a little more"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DispatchForm(BootstrapForm):
    volunteer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    team = forms.IntegerField(required=False, widget=forms.HiddenInput)
    due_at = forms.DateTimeField(label=_("To accept by"), required=False, **MOMENT)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AcceptForm(BootstrapForm):
    volunteer = forms.IntegerField(label=_("Who serves"), required=False)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/*", "data-shrink-images": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class CheckOutForm(BootstrapForm):
    notes = forms.CharField(
        label=pgettext_lazy("check-out", "Notes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultiplePhotoField(label=_("Photos (optional, up to 5)"), required=False)


class RateForm(BootstrapForm):
    rating = forms.TypedChoiceField(
        label=_("How was the service?"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    words = forms.CharField(label=_("A few words (optional)"), max_length=300, required=False)


class AccountForm(BootstrapForm):
    account = forms.CharField(
        label=_("The team's account"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(BootstrapForm):
    review = forms.CharField(
        label=_("The station's review"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    hours = forms.DecimalField(
        label=_("Hours to credit"),
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=12,
        required=False,
        help_text=_("Empty: the time between check-in and check-out, in quarter hours."),
    )
