from django import forms
from django.contrib.admin.forms import AdminPasswordChangeForm


class ServicePasswordChangeForm(AdminPasswordChangeForm):
    """The admin's own password change, through ``accounts.services`` like the API's.

    So it is audited, sets ``LastPasswordChange`` and revokes the user's API tokens, and a wrong
    current password counts toward the account's lockout as on the API's change: whoever holds a
    signed-in back-office session cannot guess the password without limit.
    """

    def clean_old_password(self):
        from accounts.services import current_password_check
        from eventlead.core.exceptions import ValidationFailed

        old_password = self.cleaned_data["old_password"]
        try:
            current_password_check(user=self.user, password=old_password)
        except ValidationFailed:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect") from None
        return old_password

    def save(self, commit=True):
        from accounts.services import user_password_change

        user_password_change(
            user=self.user,
            current_password=self.cleaned_data["old_password"],
            new_password=self.cleaned_data["new_password1"],
        )
        self.user.refresh_from_db()
        return self.user
