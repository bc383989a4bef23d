import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest


@pytest.mark.django_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch("linli.core.views.connection.cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "LINLI_FIELD_KEYS", "LINLI_HASH_KEY", "LINLI_DEMO"}
    }
    env.update(DEBUG="0", LINLI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="linli.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert not any(tmp_path.iterdir())  # nothing generated in production
