import pytest

from linli.accounts.roles import Role
from linli.accounts.services import membership_grant, user_create
from linli.warehouse.tests.helpers import Shop


@pytest.fixture
def shop(world) -> Shop:
    return Shop(world)


@pytest.fixture
def pharmacist(world):
    user = user_create(actor=None, username="pharmacist_a", password="a-long-test-password")
    membership_grant(actor=None, user=user, role=Role.PHARMACIST, community_id=world.a.pk)
    return user


@pytest.fixture(autouse=True)
def _in_english(english):
    """These tests read English messages (the Chinese ones are checked in test_i18n)."""
    yield
