"""Admin: for superusers fixing data. Encrypted numbers are never shown or edited here."""

from django.contrib import admin

from linli.people.models import Consent, Household, ImportBatch, Person, PersonTag


class PersonTagInline(admin.TabularInline):
    model = PersonTag
    fk_name = "person"
    extra = 0
    fields = ["tag", "start_date", "end_date", "note", "set_by", "ended_by"]
    readonly_fields = ["set_by", "ended_by"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "gender",
        "birth_date",
        "id_number_masked",
        "mobile_masked",
        "community",
    ]
    list_filter = ["community", "gender"]
    search_fields = ["name", "name_initials"]
    list_select_related = ["community"]
    exclude = ["id_number", "id_number_hash", "mobile", "mobile_hash", "name_initials"]
    readonly_fields = ["id_number_masked", "mobile_masked", "created_by", "is_anonymised"]
    raw_id_fields = ["household", "guardian", "compound"]
    inlines = [PersonTagInline]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "head"]
    list_filter = ["community"]
    raw_id_fields = ["head", "compound"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["person", "purpose", "method", "given_on", "withdrawn_on"]
    list_filter = ["purpose", "method"]
    raw_id_fields = ["person", "guardian"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "community", "status", "row_count", "error_count", "created_at"]
    list_filter = ["status", "community"]
    exclude = ["rows"]
