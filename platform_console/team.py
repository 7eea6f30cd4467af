"""The team of a platform: invitations, roles, removal. Administrators only (team.manage); the
last Administrator can be neither removed nor demoted."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
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
    invitation, token = _new_invitation(platform=actor.platform, email=email, role=role, invited_by=actor,
                                        inviter=actor.user.display_name)
    record_audit(actor=actor, action="team.invited", obj=invitation, after={"email": email, "role": role.slug},
                 request_meta=request_meta)
    return invitation, token


def _new_invitation(*, platform: Platform, email: str, role: Role, invited_by: Membership | None,
                    inviter: str) -> tuple[Invitation, str]:
    now = timezone.now()
    Invitation.objects.filter(platform=platform, email=email, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        platform=platform, email=email, role=role, token_hash=hash_token(token), invited_by=invited_by,
        created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    queue_email(to=email, template="platform_console/email/invitation", platform=platform,
                context={"url": invitation_url(token), "platform_name": platform.name,
                         "inviter": inviter, "role": role.name, "days": INVITATION_DAYS})
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{settings.CONSOLE_SITE_URL}/invite/{token}/"


@transaction.atomic
def bootstrap_platform(*, name: str, country: str, currency: str, admin_email: str) -> tuple[Platform, str]:
    """A new install's first platform and the invitation of its first Administrator (the only
    invitation nobody on the team sends). Refused when a platform of that name exists."""
    if Platform.objects.filter(name__iexact=name).exists():
        raise TeamError(f"A platform named {name!r} already exists; bootstrap runs once per platform.")
    platform = Platform.objects.create(name=name, country=country, default_currency=currency)
    invitation, token = _new_invitation(platform=platform, email=admin_email.strip().lower(),
                                        role=Role.objects.get(slug="admin"), invited_by=None, inviter="The installer")
    record_audit(actor=None, platform=platform, action="platform.bootstrapped", obj=invitation,
                 actor_label="bootstrap", after={"platform": name, "admin_email": invitation.email})
    return platform, token


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("platform", "role").filter(token_hash=hash_token(token)).first()


# What someone opening an invitation link is told when it can't be used (its state() names it).
PROBLEMS = {"accepted": "This invitation was already used", "expired": "This invitation has expired",
            "revoked": "This invitation was revoked", "invalid": "This invitation isn't valid"}


def _claim(invitation_id: int) -> Invitation:
    """Consume the invitation with a conditional UPDATE before anything else is written: of two
    people accepting at once, the second waits on the row and then finds it used."""
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True,
                                        expires_at__gt=now).update(accepted_at=now)
    invitation = Invitation.objects.select_related("platform", "role").get(pk=invitation_id)
    if claimed != 1:
        raise TeamError(PROBLEMS[invitation.state(now)])
    return invitation


def _join(invitation: Invitation, user: User, request_meta) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, platform=invitation.platform)
    membership.roles.add(invitation.role)
    record_audit(actor=membership, platform=invitation.platform, action="team.joined", obj=invitation,
                 after={"email": user.email, "role": invitation.role.slug}, request_meta=request_meta)
    return membership


@transaction.atomic
def accept(*, invitation_id: int, user: User, request_meta=None) -> Membership:
    """An operator who already signs in joins the team (once)."""
    invitation = _claim(invitation_id)
    if user.email.lower() != invitation.email:
        raise TeamError("This invitation was sent to another email address.")
    return _join(invitation, user, request_meta)


@transaction.atomic
def accept_as_new_user(*, invitation_id: int, full_name: str, password: str, request_meta=None) -> Membership:
    """Someone new accepts: claim the invitation first, then create their user. A failure after the
    claim rolls the claim back with it."""
    invitation = _claim(invitation_id)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    except IntegrityError as error:
        raise TeamError("An operator with this email already exists. Sign in, then open the invitation again.") from error
    return _join(invitation, user, request_meta)


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
