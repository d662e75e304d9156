"""Fixtures for back-office tests: a system admin signed in by password, two-factor sign-in off.

Import them into a test module (``from eventlead.backoffice.testing import admin_client,
system_admin``); the two-factor step has its own tests, which switch it on.
"""

import pytest

ADMIN_EMAIL = "admin@example.com"


@pytest.fixture
def system_admin(db, settings, password):
    from accounts.models import User

    settings.ADMIN_REQUIRE_2FA = False
    return User.objects.create_superuser(ADMIN_EMAIL, password)


@pytest.fixture
def admin_client(client, system_admin):
    client.force_login(system_admin)
    return client


def _field_values(form) -> dict:
    """What a browser would post for ``form`` as rendered (hidden and read-only fields aside)."""
    data: dict[str, str | list[str]] = {}
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(item) for item in value]
        elif value is not None:
            data[key] = str(value)
    return data


def change_form_data(response, **changes) -> dict:
    """The POST data of an admin add/change page as rendered, with ``changes`` applied."""
    data = _field_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): str(management[name].value()) for name in management.fields})
        for form in formset.forms:
            data.update(_field_values(form))
    data.update(changes)
    return data


def assert_read_only(client, model, row) -> None:
    """Nobody in the back office can add, change or delete ``row`` (superusers included)."""
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    listing = client.get(base)
    assert listing.status_code == 200
    assert f'href="{base}add/"' not in listing.content.decode()  # no "Add" button
    assert "delete_selected" not in listing.context["cl"].model_admin.get_actions(listing.wsgi_request)
    assert client.get(f"{base}add/").status_code == 403
    view = client.get(f"{base}{row.pk}/change/")
    assert view.status_code == 200 and not view.context["has_change_permission"]
    assert 'type="submit"' not in view.content.decode().split('id="content-main"')[1]
    assert client.post(f"{base}{row.pk}/change/", {}).status_code == 403
    assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})  # not offered
    assert model._default_manager.filter(pk=row.pk).exists()
