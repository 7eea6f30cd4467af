"""The team of a platform: invitations, roles, removal. Administrators only (team.manage); the
last Administrator can be neither removed nor demoted."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import permissions
from .audit import record_audit
from .models import Invitation, Membership, Platform, Role, User
from .outbox import queue_email

INVITATION_DAYS = 7


class TeamError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(TeamError):
    pass


def _ensure_admin(actor: Membership) -> None:
    if not actor.can(permissions.MANAGE_TEAM):
        raise NotAllowed("Only Administrators can change the team.")


def _is_admin(membership: Membership) -> bool:
    return any(role.slug == "admin" for role in membership.roles.all())


def _other_admins(membership: Membership) -> int:
    return (
        Membership.objects.filter(platform_id=membership.platform_id, roles__slug="admin")
        .exclude(pk=membership.pk)
        .distinct()
        .count()
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite(*, actor: Membership, email: str, role: Role, request_meta=None) -> tuple[Invitation, str]:
    """Invite an operator by email; an earlier pending invitation to the same address is revoked."""
    _ensure_admin(actor)
    email = email.strip().lower()
    if Membership.objects.filter(platform_id=actor.platform_id, user__email=email).exists():
        raise TeamError(f"{email} is already on the team.")
    now = timezone.now()
    Invitation.objects.filter(platform_id=actor.platform_id, email=email, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        platform_id=actor.platform_id, email=email, role=role, token_hash=hash_token(token), invited_by=actor,
        created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    queue_email(to=email, template="platform_console/email/invitation", platform=actor.platform,
                context={"url": f"{settings.CONSOLE_SITE_URL}/invite/{token}/", "platform_name": actor.platform.name,
                         "inviter": actor.user.display_name, "role": role.name, "days": INVITATION_DAYS})
    record_audit(actor=actor, action="team.invited", obj=invitation, after={"email": email, "role": role.slug},
                 request_meta=request_meta)
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("platform", "role").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def accept(*, invitation_id: int, user: User, request_meta=None) -> Membership:
    """Join the team (once): the invitation is consumed by a conditional UPDATE."""
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True,
                                        expires_at__gt=now).update(accepted_at=now)
    invitation = Invitation.objects.select_related("platform", "role").get(pk=invitation_id)
    if claimed != 1:
        raise TeamError(f"This invitation is {invitation.state(now)}.")
    if user.email.lower() != invitation.email:
        raise TeamError("This invitation was sent to another email address.")
    membership, _ = Membership.objects.get_or_create(user=user, platform=invitation.platform)
    membership.roles.add(invitation.role)
    record_audit(actor=membership, platform=invitation.platform, action="team.joined", obj=invitation,
                 after={"email": user.email, "role": invitation.role.slug}, request_meta=request_meta)
    return membership


@transaction.atomic
def revoke_invitation(*, actor: Membership, invitation: Invitation, request_meta=None) -> None:
    _ensure_admin(actor)
    Invitation.objects.filter(pk=invitation.pk, platform_id=actor.platform_id, accepted_at__isnull=True).update(
        revoked_at=timezone.now())
    record_audit(actor=actor, action="team.invitation_revoked", obj=invitation, request_meta=request_meta)


@transaction.atomic
def change_role(*, actor: Membership, member: Membership, role: Role, request_meta=None) -> None:
    _ensure_admin(actor)
    member = Membership.objects.select_for_update().get(pk=member.pk, platform_id=actor.platform_id)
    # Lock the platform row so that two demotions at once cannot both see "another admin".
    Platform.objects.select_for_update().get(pk=actor.platform_id)
    before = sorted(r.slug for r in member.roles.all())
    if _is_admin(member) and role.slug != "admin" and _other_admins(member) == 0:
        raise TeamError("The last Administrator cannot be demoted. Make someone else an Administrator first.")
    member.roles.set([role])
    record_audit(actor=actor, action="team.role_changed", obj=None, after={"member": member.user.email, "roles": [role.slug]},
                 before={"member": member.user.email, "roles": before}, request_meta=request_meta)


@transaction.atomic
def remove_member(*, actor: Membership, member: Membership, request_meta=None) -> None:
    _ensure_admin(actor)
    member = Membership.objects.select_for_update().get(pk=member.pk, platform_id=actor.platform_id)
    Platform.objects.select_for_update().get(pk=actor.platform_id)
    if _is_admin(member) and _other_admins(member) == 0:
        raise TeamError("The last Administrator cannot be removed.")
    email = member.user.email
    member.delete()
    record_audit(actor=actor, action="team.member_removed", before={"member": email}, request_meta=request_meta)


@transaction.atomic
def set_two_step_requirement(*, actor: Membership, required: bool, request_meta=None) -> None:
    _ensure_admin(actor)
    Platform.objects.filter(pk=actor.platform_id).update(require_two_step_auth=required)
    record_audit(actor=actor, action="team.two_step_requirement_changed", after={"required": required},
                 request_meta=request_meta)
