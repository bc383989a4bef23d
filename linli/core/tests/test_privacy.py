import datetime
import io

import pytest
from django.db import connection
from django.utils import translation

from linli.conftest import make_id_number
from linli.core.privacy import (
    decrypt,
    encrypt,
    id_check_digit,
    id_number_errors,
    keyed_hash,
    mask_id_number,
    mask_mobile,
)

# A well-known valid example number (GB 11643 check digit X).
VALID = "11010519491231002X"


class TestIdNumberValidation:
    @pytest.fixture(autouse=True)
    def _english(self):
        with translation.override("en"):
            yield

    def test_it_accepts_a_valid_number(self):
        assert id_number_errors(VALID) == []
        assert id_check_digit(VALID[:17]) == "X"

    def test_it_accepts_a_lowercase_x(self):
        assert id_number_errors(VALID.lower()) == []

    def test_it_rejects_a_wrong_check_digit(self):
        errors = id_number_errors(VALID[:17] + "1")
        assert len(errors) == 1 and "check digit" in errors[0]

    def test_it_rejects_an_impossible_date(self):
        first17 = "11010519490231002"  # 31 February
        errors = id_number_errors(first17 + id_check_digit(first17))
        assert errors and "not a real date" in errors[0]

    def test_it_rejects_a_date_in_the_future(self):
        future = datetime.date.today() + datetime.timedelta(days=400)
        first17 = f"110105{future:%Y%m%d}002"
        assert id_number_errors(first17 + id_check_digit(first17))

    def test_it_rejects_the_wrong_length_and_letters(self):
        assert id_number_errors("1101051949123100")
        assert id_number_errors("11010519491231002Y")

    def test_it_rejects_a_birth_date_that_disagrees(self):
        errors = id_number_errors(VALID, birth_date=datetime.date(1950, 1, 1))
        assert errors and "does not match" in errors[0]
        assert id_number_errors(VALID, birth_date=datetime.date(1949, 12, 31)) == []


def test_validation_messages_are_chinese_by_default():
    with translation.override("zh-hans"):
        assert "校验位" in id_number_errors(VALID[:17] + "1")[0]


class TestMaskingAndEncryption:
    def test_it_masks_id_numbers_keeping_three_and_four(self):
        assert mask_id_number(VALID) == "110***********002X"

    def test_it_masks_mobiles(self):
        assert mask_mobile("13812345678") == "138****5678"

    def test_encryption_round_trips_and_is_not_plaintext(self):
        token = encrypt(VALID)
        assert VALID not in token
        assert decrypt(token) == VALID

    def test_the_keyed_hash_is_stable_and_case_insensitive(self):
        assert keyed_hash(VALID) == keyed_hash(VALID.lower())
        assert keyed_hash(VALID) != keyed_hash("110105194912310021")


@pytest.mark.django_db
class TestNothingPlainAtRest:
    def test_the_raw_columns_hold_no_plaintext_id_or_mobile(self, world):
        birth = datetime.date(1940, 5, 6)
        id_number = make_id_number(birth)
        person = world.person(birth_date=birth, id_number=id_number, mobile="13987654321")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number, mobile, id_number_hash, id_number_masked, mobile_masked "
                "FROM people_person WHERE id = %s",
                [person.pk],
            )
            raw = cursor.fetchone()
        everything = " ".join(str(v) for v in raw)
        assert id_number not in everything
        assert "13987654321" not in everything
        assert raw[3] == mask_id_number(id_number)
        assert raw[4] == "139****4321"

    def test_the_user_mobile_is_encrypted_too(self, world):
        world.worker_a.set_mobile("13600001111")
        world.worker_a.save()
        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [world.worker_a.pk])
            (raw,) = cursor.fetchone()
        assert "13600001111" not in raw


@pytest.mark.django_db
def test_rotate_field_keys_moves_every_value_to_the_new_key(world, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    person = world.person(mobile="13955554444")
    old_keys = list(settings.LINLI_FIELD_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.LINLI_FIELD_KEYS = [new_key, *old_keys]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.LINLI_FIELD_KEYS = [new_key]  # the old key is gone: values must still read
    person.refresh_from_db()
    assert person.mobile == "13955554444"
    assert person.id_number
