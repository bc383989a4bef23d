"""Form helpers: Bootstrap classes on every widget."""

from django import forms

# Field keyword arguments for a date picker and a date-and-time picker (``**DATE``, ``**MOMENT``).
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MOMENT = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes (``is-invalid`` on fields with errors)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        if field in self.fields:
            widget = self.fields[field].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
