"""GET /api/v1/reference/{name}: active rows in display order, as each table's serializer writes them."""

import pytest

from reference.apis import SERIALIZERS, TABLES
from reference.models import Country

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_list_is_what_its_serializer_writes_in_one_query(name, client, django_assert_num_queries):
    rows = TABLES[name].objects.active().order_by("sort_order", "display_name")

    with django_assert_num_queries(1):
        response = client.get(f"/api/v1/reference/{name}")

    assert response.status_code == 200
    assert response.json() == [_camel(row) for row in SERIALIZERS[name](rows, many=True).data]
    assert len(response.json()) == rows.count() > 0


def test_an_inactive_row_is_left_out(client):
    Country.objects.filter(code="nz").update(is_active=False)

    codes = [row["countryCode"] for row in client.get("/api/v1/reference/countries").json()]

    assert "AU" in codes and "NZ" not in codes


def _camel(row):
    import json

    from eventlead.core.renderers import CamelCaseJSONRenderer

    return json.loads(CamelCaseJSONRenderer().render(row))
