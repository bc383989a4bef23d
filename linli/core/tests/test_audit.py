import pytest

from linli.core import audit
from linli.core.models import AuditEvent


@pytest.mark.django_db
class TestAuditTrail:
    def test_events_are_append_only(self, world, person_a):
        event = audit.record(world.worker_a, "test.thing", person_a, note="x")
        assert event.community_id == world.a.pk and event.person_id == person_a.pk
        event.verb = "changed"
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            event.delete()
        with pytest.raises(TypeError):
            AuditEvent.objects.filter(pk=event.pk).update(verb="x")
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()

    def test_every_registry_service_leaves_an_event(self, world, person_a):
        verbs = set(AuditEvent.objects.filter(person_id=person_a.pk).values_list("verb", flat=True))
        assert "person.create" in verbs


@pytest.mark.django_db
class TestAuditPage:
    def test_a_station_admin_sees_their_community_only(self, world, person_a, person_b, client_for):
        response = client_for(world.station_a).get("/audit/")
        assert response.status_code == 200
        events = list(response.context["page"].object_list)
        assert events and all(e.community_id == world.a.pk for e in events)
        assert person_b.name not in response.content.decode()

    def test_it_filters_by_person_actor_and_verb(self, world, person_a, client_for):
        client = client_for(world.station_a)
        page = client.get(f"/audit/?person={person_a.pk}&actor=worker_a&verb=person.create")
        events = list(page.context["page"].object_list)
        assert len(events) == 1 and events[0].person_id == person_a.pk
        assert client.get("/audit/?actor=nobody").context["page"].paginator.count == 0

    def test_a_social_worker_is_denied(self, world, client_for):
        assert client_for(world.worker_a).get("/audit/").status_code == 403

    def test_a_street_admin_sees_all_communities(self, world, person_a, person_b, client_for):
        events = client_for(world.street_admin).get("/audit/").context["page"].object_list
        assert {e.community_id for e in events} >= {world.a.pk, world.b.pk}
