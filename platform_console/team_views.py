"""Settings › Team (everyone reads it; Administrators change it) and accepting an invitation."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions, security, team
from .audit import request_meta
from .decorators import operator_required, public_page
from .middleware import SESSION_PLATFORM
from .models import Invitation, Membership, Role

# Team changes a stale session confirms with the password first, as money movement does (with the
# title of that confirmation page).
REAUTHENTICATED_ACTIONS = {
    "invite": "Confirm the invitation",
    "role": "Confirm the role change",
    "remove": "Confirm removing the member",
    "two_step": "Confirm the security setting",
}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.all(), empty_label=None)


class RoleForm(forms.Form):
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.all(), empty_label=None)


def _members(platform):
    return list(Membership.objects.filter(platform=platform).select_related("user").prefetch_related("roles")
                .order_by("user__email"))


def _context(request: HttpRequest, **extra) -> dict:
    members = _members(request.platform)
    enrolled = set(TOTPDevice.objects.filter(user__in=[m.user_id for m in members], confirmed=True)
                   .values_list("user_id", flat=True))
    failures = security.failed_sign_ins_by_email([m.user.email for m in members])
    invitations = list(Invitation.objects.filter(platform=request.platform, accepted_at__isnull=True,
                                                 revoked_at__isnull=True).select_related("role"))
    return {
        "members": [{"membership": m, "two_factor": m.user_id in enrolled, "failures": failures.get(m.user.email)}
                    for m in members],
        "invitations": invitations,
        "can_manage": request.membership.can(permissions.MANAGE_TEAM),
        "roles": list(Role.objects.all()),
        "invite_form": extra.pop("invite_form", None) or InviteForm(initial={"role": Role.objects.filter(slug="view_only").first()}),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@operator_required()
def team_page(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "platform_console/team.html", _context(request))
    if not request.membership.can(permissions.MANAGE_TEAM):
        raise PermissionDenied("Only Administrators can change the team.")
    action = request.POST.get("action", "")
    if action in REAUTHENTICATED_ACTIONS:
        fresh, reauth_form = security.reauthenticate(request)
        if not fresh:
            return security.reauth_page(request, reauth_form, title=REAUTHENTICATED_ACTIONS[action],
                                        summary=_summary(request, action), cancel_url=reverse("team"))
    try:
        if action == "invite":
            form = InviteForm(request.POST)
            if not form.is_valid():
                return render(request, "platform_console/team.html", _context(request, invite_form=form), status=422)
            invitation, _token = team.invite(actor=request.membership, email=form.cleaned_data["email"],
                                            role=form.cleaned_data["role"], request_meta=request_meta(request))
            messages.success(request, f"Invitation emailed to {invitation.email}.")
        elif action in ("role", "remove"):
            member = Membership.objects.filter(platform=request.platform, pk=_pk(request.POST.get("member"))).first()
            if member is None:
                raise Http404("No such member")
            if action == "role":
                form = RoleForm(request.POST)
                if form.is_valid():
                    team.change_role(actor=request.membership, member=member, role=form.cleaned_data["role"],
                                     request_meta=request_meta(request))
                    messages.success(request, f"{member.user.email} is now {form.cleaned_data['role'].name}.")
            else:
                team.remove_member(actor=request.membership, member=member, request_meta=request_meta(request))
                messages.success(request, f"{member.user.email} was removed from the team.")
        elif action == "revoke":
            invitation = Invitation.objects.filter(platform=request.platform, pk=_pk(request.POST.get("invitation"))).first()
            if invitation is None:
                raise Http404("No such invitation")
            team.revoke_invitation(actor=request.membership, invitation=invitation, request_meta=request_meta(request))
            messages.success(request, f"The invitation to {invitation.email} was revoked.")
        elif action == "two_step":
            team.set_two_step_requirement(actor=request.membership, required=request.POST.get("required") == "on",
                                          request_meta=request_meta(request))
            messages.success(request, "Two-step authentication setting saved.")
    except team.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except team.TeamError as error:
        messages.error(request, error.message)
        return render(request, "platform_console/team.html", _context(request), status=422)
    return redirect("team")


def _summary(request: HttpRequest, action: str) -> str:
    """What the operator is about to confirm, in words, from what they posted."""
    post = request.POST
    role = Role.objects.filter(pk=_pk(post.get("role"))).first()
    member = Membership.objects.filter(platform=request.platform, pk=_pk(post.get("member"))).select_related("user").first()
    who = member.user.email if member else "this member"
    if action == "invite":
        return f"Invite {post.get('email', '')[:254]} as {role.name if role else 'a member'}."
    if action == "role":
        return f"Make {who} {role.name if role else 'another role'}."
    if action == "remove":
        return f"Remove {who} from the team."
    required = post.get("required") == "on"
    return f"{'Require' if required else 'Stop requiring'} two-step authentication for every member."


def _pk(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) for anything that is not one."""
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(label="Choose a password", strip=False, widget=forms.PasswordInput)

    def clean_password(self):
        validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = team.find_invitation(token)
    existing = get_user_model().objects.filter(email=invitation.email).first() if invitation else None
    if existing is not None:
        # Read after the user: someone who just accepted it committed both together.
        invitation.refresh_from_db(fields=["accepted_at", "revoked_at"])
    state = invitation.state() if invitation else "invalid"
    if state != "pending":
        return render(request, "registration/invitation_problem.html",
                      {"title": team.PROBLEMS[state]}, status=404 if state == "invalid" else 410)
    form = None
    if existing is not None:
        # The invited person already signs in: they accept while signed in as themselves.
        if request.user.is_authenticated and request.user.pk == existing.pk and request.method == "POST":
            try:
                team.accept(invitation_id=invitation.pk, user=existing, request_meta=request_meta(request))
            except team.TeamError as error:
                return render(request, "registration/invitation_problem.html", {"title": error.message}, status=410)
            request.session[SESSION_PLATFORM] = invitation.platform_id
            messages.success(request, f"You joined {invitation.platform.name}.")
            return redirect("home")
    else:
        form = AcceptForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                membership = team.accept_as_new_user(invitation_id=invitation.pk, full_name=form.cleaned_data["full_name"],
                                                     password=form.cleaned_data["password"],
                                                     request_meta=request_meta(request))
            except team.TeamError as error:
                return render(request, "registration/invitation_problem.html", {"title": error.message}, status=410)
            auth_login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_PLATFORM] = invitation.platform_id
            return redirect("home")
    return render(request, "registration/accept_invitation.html",
                  {"invitation": invitation, "form": form, "existing": existing},
                  status=422 if form is not None and form.errors else 200)
