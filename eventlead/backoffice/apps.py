"""The admin app, configured with the back-office site."""

from django.contrib.admin.apps import AdminConfig

# Registered by installed packages, and not for the back office: Django's groups are unused
# (rights follow the system_admin role) and simplejwt's token tables hold live refresh tokens.
HIDDEN_MODELS = (
    "auth.Group",
    "token_blacklist.OutstandingToken",
    "token_blacklist.BlacklistedToken",
    # The email queue's task rows: log.EmailDelivery is the page about emails; the stock page
    # would count the whole table on every visit.
    "django_tasks_database.DBTaskResult",
)


class BackOfficeAdminConfig(AdminConfig):
    default_site = "eventlead.backoffice.site.BackOfficeSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin.py
        from django.apps import apps
        from django.contrib import admin

        from . import devices

        for label in HIDDEN_MODELS:
            model = apps.get_model(label)
            if admin.site.is_registered(model):
                admin.site.unregister(model)
        devices.register(admin.site)
