import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.core.privacy import mask_name
from linli.volunteers import hours, services


@pytest.fixture
def volunteer_with_hours(world, person_a):
    volunteer = services.volunteer_register(
        actor=world.worker_a, person_id=person_a.pk, consent_method="signed"
    )
    for h in ("2", "1.5"):
        record = hours.service_record_submit(
            actor=world.worker_a,
            volunteer_id=volunteer.pk,
            served_on=timezone.localdate(),
            hours=Decimal(h),
            description="探访",
        )
        hours.service_record_verify(actor=world.station_a, record_id=record.pk)
    return volunteer


def check_url(page: str) -> str:
    return re.search(r"(http://testserver/check/certificate/[^<\s\"]+)", page).group(1)


@pytest.mark.django_db
class TestCertificate:
    def test_the_certificate_lists_verified_hours_with_a_checkable_qr(
        self, world, volunteer_with_hours, client_for
    ):
        page = (
            client_for(world.worker_a)
            .get(f"/volunteers/{volunteer_with_hours.pk}/certificate/")
            .content.decode()
        )
        assert "志愿服务证明" in page and "3.5" in page and "<svg" in page
        assert AuditEvent.objects.filter(verb="volunteer.certificate").count() == 1
        checked = Client().get(check_url(page).replace("http://testserver", ""))
        body = checked.content.decode()
        assert checked.status_code == 200 and "张*丰" in body and "张三丰" not in body
        assert checked.context["result"].still_matches

    def test_a_reversal_after_issue_shows_on_the_check(
        self, world, volunteer_with_hours, client_for
    ):
        page = (
            client_for(world.worker_a)
            .get(f"/volunteers/{volunteer_with_hours.pk}/certificate/")
            .content.decode()
        )
        record = volunteer_with_hours.records.first()
        hours.service_record_reverse(actor=world.station_a, record_id=record.pk, reason="错")
        result = Client().get(check_url(page).replace("http://testserver", "")).context["result"]
        assert result.valid and not result.still_matches

    def test_an_altered_token_is_refused(self, db):
        response = Client().get("/check/certificate/not-a-real-token/")
        assert response.status_code == 200 and not response.context["result"].valid

    def test_another_community_cannot_print_it(self, world, volunteer_with_hours, client_for):
        url = f"/volunteers/{volunteer_with_hours.pk}/certificate/"
        assert client_for(world.worker_b).get(url).status_code == 404

    def test_names_are_masked(self):
        assert mask_name("张三丰") == "张*丰" and mask_name("李四") == "李*"
        assert mask_name("欧阳娜娜") == "欧**娜"
