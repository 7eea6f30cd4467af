"""One onboarding step, handled the same way for the hosted pages (the account holder, through a
link) and for operators finishing a None-access account on its behalf."""

from dataclasses import dataclass

from django.http import HttpRequest

from . import onboarding, services
from .errors import AccountError
from .models import Connection
from .onboarding_forms import (
    STEP_FORMS,
    OwnerForm,
    OwnersConfirmForm,
    PersonForm,
)


@dataclass
class StepResult:
    done: bool  # the step was saved: go to the next one
    context: dict
    status: int = 200


def step_list(connection: Connection, current: str) -> list[dict]:
    missing = onboarding.missing_paths(connection)
    slugs = onboarding.step_slugs(connection.account)
    items = []
    for index, slug in enumerate(slugs, start=1):
        complete = slug != "review" and not onboarding.step_paths(slug, missing)
        items.append({"slug": slug, "title": onboarding.steps()[slug].title, "number": index, "complete": complete,
                      "current": slug == current})
    return items


def previous_step(account, current: str) -> str | None:
    """The step before `current`, for its Back link; None on the first."""
    slugs = onboarding.step_slugs(account)
    index = slugs.index(current) if current in slugs else 0
    return slugs[index - 1] if index else None


def next_step(connection: Connection, current: str) -> str:
    slugs = onboarding.step_slugs(connection.account)
    if current in slugs and slugs.index(current) + 1 < len(slugs):
        following = slugs[slugs.index(current) + 1]
    else:
        following = "review"
    missing = onboarding.missing_paths(connection)
    # Skip forward over steps that need nothing, but never past the first incomplete one.
    for slug in slugs[slugs.index(following):] if following in slugs else ["review"]:
        if slug == "review" or onboarding.step_paths(slug, missing):
            return slug
    return "review"


def handle_step(request: HttpRequest, connection: Connection, step: str, *, actor=None, request_meta=None) -> StepResult:
    """Validate and save one step on POST; build its forms on GET. The review step is handled by
    the caller (completing differs between holder and operator)."""
    connection.refresh_from_db()
    paths = onboarding.needed_paths(connection)
    data = request.POST if request.method == "POST" else None
    account = connection.account
    context: dict = {"step": onboarding.steps()[step], "connection": connection, "account": account,
                     "previous_step": previous_step(account, step)}

    if step in ("personal_details", "representative"):
        role = "individual" if step == "personal_details" else "representative"
        person = account.persons.filter(
            is_account_individual=role == "individual", is_representative=True
        ).first()
        form = PersonForm(data, connection=connection, paths=paths, prefix_path=role, person=person)
        if data is not None and form.is_valid():
            services.save_person(connection=connection, role=role, data=form.cleaned_data, actor=actor,
                                 request_meta=request_meta)
            return StepResult(True, context)
        context["form"] = form
    elif step == "owners":
        owner_form = OwnerForm(data if data and data.get("action") == "add_owner" else None,
                               connection=connection, paths=paths)
        confirm = OwnersConfirmForm(data if data and data.get("action") == "continue" else None,
                                    connection=connection, paths=paths)
        if data is not None:
            action = data.get("action")
            if action == "add_owner" and owner_form.is_valid():
                try:
                    services.add_owner(connection=connection, data=owner_form.cleaned_data, actor=actor,
                                       request_meta=request_meta)
                except AccountError as error:
                    owner_form.add_error("percent_ownership", error.message)
                else:
                    owner_form = OwnerForm(None, connection=connection, paths=paths)
                    context["flash"] = "Owner added."
            elif action == "remove_owner":
                services.remove_added_owner(connection=connection, person_public_id=data.get("person", ""),
                                            actor=actor, request_meta=request_meta)
            elif action == "continue" and confirm.is_valid():
                services.confirm_owners(
                    connection=connection, owners_provided=confirm.cleaned_data.get("owners_provided", False),
                    directors_provided=confirm.cleaned_data.get("directors_provided", False), actor=actor,
                    request_meta=request_meta,
                )
                return StepResult(True, context)
        context.update(
            owner_form=owner_form, form=confirm,
            owners=list(account.persons.filter(is_account_individual=False, is_representative=False)),
            representative=account.persons.filter(is_representative=True, is_account_individual=False).first(),
        )
    else:
        form = STEP_FORMS[step](data, connection=connection, paths=paths)
        if data is not None and form.is_valid():
            if step == "payout_account":
                services.save_payout_account(connection=connection, data=form.cleaned_data, actor=actor,
                                             request_meta=request_meta)
            elif step != "review":
                services.save_account_details(connection=connection, data=form.cleaned_data, actor=actor,
                                              request_meta=request_meta)
            return StepResult(True, context)
        context["form"] = form
        if step == "payout_account":
            context["current_external"] = onboarding.default_external_account(account)
    invalid = any(f is not None and f.is_bound and f.errors for f in (context.get("form"), context.get("owner_form")))
    return StepResult(False, context, 422 if invalid else 200)


def review_context(connection: Connection) -> dict:
    account = connection.account
    missing = onboarding.missing_paths(connection) - {"tos_acceptance.date"}
    return {
        "missing": sorted(missing),
        "persons": list(account.persons.all()),
        "external": onboarding.default_external_account(account),
        "capabilities": onboarding.capability_summary(connection),
    }
