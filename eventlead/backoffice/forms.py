from django.contrib.admin.forms import AdminPasswordChangeForm


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """The admin's own password change, through ``accounts.services`` like the API's.

    So it is audited, sets ``LastPasswordChange`` and revokes the user's API tokens.
    """

    def save(self, commit=True):
        from accounts.services import user_password_change

        user_password_change(
            user=self.user,
            current_password=self.cleaned_data["old_password"],
            new_password=self.cleaned_data["new_password1"],
        )
        self.user.refresh_from_db()
        return self.user
