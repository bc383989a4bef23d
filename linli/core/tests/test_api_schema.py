"""The OpenAPI document names each body and answer schema once: ninja files schemas under their
class name, so two classes of one name would show one app's body on the other's operation."""

from ninja import Schema

import linli.api  # noqa: F401  (imports every app's API module)


def _schemas() -> list[type[Schema]]:
    found, todo = [], list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("linli."):
            found.append(cls)
    return found


def test_no_two_different_schemas_share_a_name():
    by_name: dict[str, dict[str, type[Schema]]] = {}
    for cls in _schemas():
        by_name.setdefault(cls.__name__, {})[f"{cls.__module__}.{cls.__qualname__}"] = cls
    clashes = {}
    for name, classes in by_name.items():
        shapes = {str(cls.model_json_schema()) for cls in classes.values()}
        if len(shapes) > 1:
            clashes[name] = sorted(classes)
    assert not clashes, clashes


def test_the_points_gift_documents_its_own_body(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/points/donations"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/PointsDonationIn")
