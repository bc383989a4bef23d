"""A resident picker for forms of any app: type a name, pinyin initials or the last four digits
of a mobile, pick from the list (htmx); the form receives the person's id."""

from django import forms
from django.urls import reverse

from linli.core.parsing import id_param


class PersonPicker(forms.Widget):
    template_name = "people/widgets/person_picker.html"

    def __init__(self, attrs=None, *, community_id: int | None = None):
        super().__init__(attrs)
        self.community_id = community_id

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        from linli.people.models import Person

        person = None
        person_id = id_param(value)
        if person_id is not None:
            person = Person.objects.filter(pk=person_id).only("name", "community_id").first()
        if person is not None and self.community_id and person.community_id != self.community_id:
            person = None
        query = f"field={name}" + (f"&community={self.community_id}" if self.community_id else "")
        context["widget"].update(
            {"person": person, "search_url": f"{reverse('people:pick')}?{query}"}
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)
