"""The invitation email; its token is made when the message is built (each send a new link)."""

from django.core.mail import EmailMessage

from accounts.emails import frontend_link
from configuration.settings_store import get_setting
from logging_app.models import EmailDelivery


def build_invitation(delivery: EmailDelivery) -> EmailMessage:
    from .invitations import invitation_token_rotate

    invitation = delivery.user_invitation
    token = invitation_token_rotate(invitation=invitation)
    inviter = invitation.invited_by
    return EmailMessage(
        subject=delivery.subject,
        body=(
            f"Hello {invitation.invited_first_name or ''},\n\n"
            f"{inviter.full_name} ({inviter.email}) invited you to join {invitation.company.display_name} "
            f"on EventLead as {invitation.role.display_name}.\n\n"
            f"Accept or decline here:\n\n{frontend_link('invitations/accept', token=token)}\n\n"
            f"The invitation expires on {invitation.expires_at:%d %B %Y %H:%M} UTC.\n"
        ),
        from_email=get_setting("email.from_address"),
    )
