import datetime

import pytest

from linli.conftest import make_id_number, years_ago
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.core.models import AuditEvent
from linli.people import services
from linli.people.models import Consent, Person, PersonTag


@pytest.mark.django_db
class TestRegisterResident:
    def test_it_registers_with_derived_fields(self, world):
        birth = datetime.date(1941, 3, 9)
        id_number = make_id_number(birth, male=False)
        person = services.person_create(
            actor=world.worker_a,
            community_id=world.a.pk,
            name="王秀英",
            gender="female",
            id_number=id_number.lower(),
            mobile="+86 139-1234-0000",
        )
        person.refresh_from_db()
        assert person.birth_date == birth  # taken from the ID number
        assert person.id_number == id_number
        assert person.name_initials == "wxy"
        assert person.mobile == "13912340000" and person.mobile_masked == "139****0000"
        assert person.is_advanced_age
        assert AuditEvent.objects.filter(verb="person.create", person_id=person.pk).exists()

    def test_bad_input_lists_every_error_and_writes_nothing(self, world):
        with pytest.raises(ValidationFailed) as caught:
            services.person_create(
                actor=world.worker_a,
                community_id=world.a.pk,
                name=" ",
                gender="x",
                id_number="11010519491231002Y",
                mobile="12345",
                compound_id=world.compound_b.pk,
            )
        assert set(caught.value.fields) == {"name", "gender", "id_number", "mobile", "compound_id"}
        assert Person.objects.count() == 0
        assert not AuditEvent.objects.filter(verb="person.create").exists()

    def test_a_birth_date_that_contradicts_the_id_number_is_refused(self, world):
        with pytest.raises(ValidationFailed) as caught:
            world.person(birth_date=datetime.date(1950, 1, 1), id_number="11010519491231002X")
        assert "id_number" in caught.value.fields

    def test_a_birth_date_in_the_future_is_refused(self, world):
        with pytest.raises(ValidationFailed):
            world.person(
                birth_date=datetime.date.today() + datetime.timedelta(days=2), id_number=""
            )

    def test_the_same_id_number_twice_in_a_community_is_refused(self, world, person_a):
        with pytest.raises(ValidationFailed):
            world.person(id_number=person_a.id_number, birth_date=person_a.birth_date)

    def test_the_same_id_number_may_exist_in_another_community(self, world, person_a):
        other = world.person(
            community=world.b, id_number=person_a.id_number, birth_date=person_a.birth_date
        )
        assert other.community_id == world.b.pk

    def test_only_workers_of_the_community_may_register(self, world):
        for actor in (world.worker_b, world.volunteer_a, world.street_admin, world.outsider):
            with pytest.raises(PermissionDenied):
                world.person(actor=actor)
        assert Person.objects.count() == 0


@pytest.mark.django_db
class TestEditResident:
    def test_it_updates_and_audits_the_changed_fields_without_values(self, world, person_a):
        services.person_update(
            actor=world.worker_a, person_id=person_a.pk, mobile="13800001111", address="2栋"
        )
        event = AuditEvent.objects.filter(verb="person.update").get()
        assert event.details["fields"] == ["address", "mobile"]
        assert "13800001111" not in str(event.details)

    def test_a_worker_of_another_community_gets_not_found(self, world, person_a):
        with pytest.raises(NotFound):
            services.person_update(actor=world.worker_b, person_id=person_a.pk, name="x")

    def test_a_street_admin_may_read_but_not_edit(self, world, person_a):
        with pytest.raises(PermissionDenied):
            services.person_update(actor=world.street_admin, person_id=person_a.pk, name="x")

    def test_the_guardian_must_be_someone_else_of_the_community(self, world, person_a, person_b):
        with pytest.raises(ValidationFailed):
            services.person_update(
                actor=world.worker_a, person_id=person_a.pk, guardian_id=person_a.pk
            )
        with pytest.raises(ValidationFailed):
            services.person_update(
                actor=world.worker_a, person_id=person_a.pk, guardian_id=person_b.pk
            )


@pytest.mark.django_db
class TestReveal:
    def test_reveal_returns_the_number_and_is_audited(self, world, person_a):
        value = services.person_reveal(
            actor=world.worker_a, person_id=person_a.pk, field="id_number"
        )
        assert value == person_a.id_number
        event = AuditEvent.objects.get(verb="person.reveal")
        assert event.actor == world.worker_a and event.details == {"field": "id_number"}

    def test_a_street_admin_cannot_reveal(self, world, person_a):
        with pytest.raises(PermissionDenied):
            services.person_reveal(actor=world.street_admin, person_id=person_a.pk, field="mobile")
        assert not AuditEvent.objects.filter(verb="person.reveal").exists()

    def test_only_id_and_mobile_can_be_revealed(self, world, person_a):
        with pytest.raises(ValidationFailed):
            services.person_reveal(actor=world.worker_a, person_id=person_a.pk, field="notes")


@pytest.mark.django_db
class TestTags:
    def test_a_tag_is_added_and_ended_keeping_history(self, world, person_a):
        tag = services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="disabled")
        services.person_tag_end(actor=world.station_a, person_tag_id=tag.pk)
        tag.refresh_from_db()
        assert tag.end_date == datetime.date.today() and tag.ended_by == world.station_a
        again = services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="disabled")
        assert PersonTag.objects.filter(person=person_a).count() == 2 and again.end_date is None

    def test_advanced_age_cannot_be_set_by_hand(self, world, person_a):
        with pytest.raises(ValidationFailed):
            services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="advanced_age")

    def test_the_same_open_tag_twice_is_a_conflict(self, world, person_a):
        services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="lives_alone")
        with pytest.raises(Conflict):
            services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="lives_alone")

    def test_child_in_difficulty_is_for_children(self, world, person_a):
        with pytest.raises(ValidationFailed):
            services.person_tag_add(
                actor=world.worker_a, person_id=person_a.pk, tag="child_in_difficulty"
            )
        child = world.person(name="小明", birth_date=years_ago(9))
        services.person_tag_add(actor=world.worker_a, person_id=child.pk, tag="child_in_difficulty")

    def test_a_tag_cannot_end_before_it_started(self, world, person_a):
        tag = services.person_tag_add(actor=world.worker_a, person_id=person_a.pk, tag="disabled")
        with pytest.raises(ValidationFailed):
            services.person_tag_end(
                actor=world.worker_a,
                person_tag_id=tag.pk,
                end_date=tag.start_date - datetime.timedelta(days=1),
            )

    def test_a_worker_of_another_community_cannot_tag(self, world, person_a):
        with pytest.raises(NotFound):
            services.person_tag_add(actor=world.worker_b, person_id=person_a.pk, tag="disabled")


@pytest.mark.django_db
class TestConsentAndHouseholds:
    def test_a_child_under_14_needs_a_guardian(self, world, person_a):
        child = world.person(name="小红", gender="female", birth_date=years_ago(8))
        with pytest.raises(ValidationFailed) as caught:
            services.consent_record(
                actor=world.worker_a, person_id=child.pk, purpose="registry", method="signed"
            )
        assert "guardian_id" in caught.value.fields
        consent = services.consent_record(
            actor=world.worker_a,
            person_id=child.pk,
            purpose="registry",
            method="signed",
            guardian_id=person_a.pk,
        )
        assert consent.guardian == person_a

    def test_consent_is_withdrawn_once(self, world, person_a):
        consent = services.consent_record(
            actor=world.worker_a, person_id=person_a.pk, purpose="photos", method="verbal"
        )
        services.consent_withdraw(actor=world.worker_a, consent_id=consent.pk)
        with pytest.raises(Conflict):
            services.consent_withdraw(actor=world.worker_a, consent_id=consent.pk)
        assert Consent.objects.get().withdrawn_on == datetime.date.today()

    def test_a_household_is_opened_and_joined(self, world, person_a):
        spouse = world.person(name="王芳", gender="female")
        household = services.household_create(
            actor=world.worker_a,
            community_id=world.a.pk,
            address="3栋501",
            compound_id=world.compound_a.pk,
            head_id=person_a.pk,
        )
        services.household_add_member(
            actor=world.worker_a,
            household_id=household.pk,
            person_id=spouse.pk,
            relation_to_head="配偶",
        )
        assert set(household.members.values_list("name", flat=True)) == {"张三丰", "王芳"}
        assert household.head == person_a

    def test_a_household_cannot_take_a_resident_of_another_community(
        self, world, person_a, person_b
    ):
        household = services.household_create(
            actor=world.worker_a, community_id=world.a.pk, address="1", head_id=person_a.pk
        )
        with pytest.raises(NotFound):
            services.household_add_member(
                actor=world.worker_a,
                household_id=household.pk,
                person_id=person_b.pk,
                relation_to_head="x",
            )
