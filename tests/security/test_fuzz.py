"""Hostile input everywhere: no page, query parameter or form field answers 5xx.

The crawl starts from every URL pattern (get_resolver(), path converters filled with the ids of
real objects), follows the links and htmx GETs of every page it renders, and reads each page's
forms (inputs, selects, textareas and named buttons). Then every query parameter and every form
field in turn gets each payload below while the other fields keep the value the page put in
them, so the hostile value reaches as deep into the view as a real submission would; every path
converter gets the payloads too. It runs as an Administrator in live mode and in test mode, and
anonymously through real onboarding, remediation and support links.

Control characters must be refused at the edge (400, or 404 in a path); everything else may be
refused in any way but a 5xx. On PostgreSQL a NUL that reaches a query is a 500, which is why
this matters there most. A 500 on PostgreSQL aborts the test's transaction, so every later
request fails too: the first failure listed is the one to read.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from accounts.models import Capability, Person
from accounts.services import PRESETS, create_account
from money import services as money_services
from money.idempotency import new_key
from platform_console.middleware import SESSION_LIVEMODE
from requirements_engine import services as requirement_services
from requirements_engine.models import InformationRequest, Requirement
from support_cases.services import issue_support_link
from tests.factories import ConnectionFactory
from tests.money.factories import BankAccountFactory, CardFactory, fund_platform, receiving_connection
from tests.security.test_csrf_and_headers import patterns
from tests.support_cases.factories import MessageFactory, SupportCaseFactory

pytestmark = pytest.mark.django_db

REFUSED_AT_THE_EDGE = {"nul": "a\x00b", "controls": "\x01\x08\x1b\x7f"}
PAYLOADS = {
    **REFUSED_AT_THE_EDGE,
    "long": "x" * 10_000,
    "long-digits": "9" * 10_000,  # past Python's 4,300-digit int() limit
    "huge-number": "9" * 20,  # past a 64-bit integer column
    "arabic-digits": "١٢٣",
}
# Requests that change the session itself (sign out, view as an account, switch mode or platform)
# get a client of their own, so the crawl keeps its signed-in session and mode.
OWN_SESSION = {
    "logout",
    "login",
    "login_verify",
    "accounts:view_as_start",
    "view_as:exit",
    "set_mode",
    "switch_platform",
}
NOT_CRAWLED = ("/backoffice/", "/static/", "/favicon.ico")
MAX_PAGES = 400


@dataclass
class Form:
    method: str
    target: str
    values: dict[str, str] = field(default_factory=dict)  # what a browser would send as the page stands
    names: set[str] = field(default_factory=set)  # every named control, checked or not


class PageParser(HTMLParser):
    """Links (href, hx-get) and forms of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        self.links += [a[key] for key in ("href", "hx-get") if a.get(key)]
        if tag == "form":
            post = a.get("method", "").lower() == "post" or "hx-post" in a
            self._form = Form(
                "post" if post else "get", a.get("hx-post") or a.get("action") or a.get("hx-get", "")
            )
            self.forms.append(self._form)
        elif "hx-post" in a and self._form is None:
            self.forms.append(Form("post", a["hx-post"]))
        if tag == "option" and self._select and (self._select not in self._form.values or "selected" in a):
            self._form.values[self._select] = a.get("value", "")  # the selected option, else the first
        if self._form is None or not a.get("name"):
            return
        name, kind = a["name"], a.get("type", "text").lower()
        if tag in ("input", "button") and kind != "file":
            self._form.names.add(name)
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._form.values.setdefault(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = name
            self._form.names.add(name)
        elif tag == "textarea":
            self._textarea = name
            self._form.names.add(name)
            self._form.values[name] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.values[self._textarea] += data


# --- the world the crawl walks through -------------------------------------------------------------


def build_world(admin, *, livemode: bool) -> dict:
    """Real objects of one mode: a platform-collected account with owners, outstanding requirements
    and an information request; an Express account with a bank account, a card, a consent to
    debits and a transfer; a full-Dashboard account with a support case."""
    platform = admin.platform
    custom = ConnectionFactory(platform=platform, custom=True, livemode=livemode, account__name="Custom Co")
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=custom, name=name)
    person = Person.objects.create(
        account=custom.account,
        first_name="Chen",
        last_name="Wang",
        is_owner=True,
        percent_ownership=30,
        email="chen@custom.example",
    )
    Person.objects.create(account=custom.account, first_name="Maria", is_representative=True)
    InformationRequest.objects.create(
        platform=platform,
        connection=custom,
        title="Tell us about refunds",
        question="How do you refund?",
        due_at=timezone.now() + timedelta(days=5),
        affected_capabilities=["card_payments"],
        allowed_paths=["submit", "remediation_link", "contact_support"],
    )
    requirement_services.recompute(custom)
    express = receiving_connection(platform, express=True, livemode=livemode, account__name="Express Co")
    BankAccountFactory(account=express.account), CardFactory(account=express.account)
    money_services.record_debit_consent(
        actor=admin,
        connection=express,
        granted_by="owner@express.example",
        granted_at=timezone.now() - timedelta(days=1),
        ip="203.0.113.7",
    )
    fund_platform(admin, 1_000_00, livemode=livemode)
    transfer = money_services.create_transfer(
        actor=admin, connection=express, amount=10_00, currency="usd", idempotency_key=new_key()
    )
    full = ConnectionFactory(platform=platform, livemode=livemode, account__name="Full Co")
    case = SupportCaseFactory(connection=full, subject="Payout is late")
    MessageFactory(case=case, provider=True, body="Could you confirm your bank account?")
    return {
        "account_id": custom.account.public_id,
        "person_id": person.public_id,
        "request_id": InformationRequest.objects.get(connection=custom).public_id,
        "path": "business_profile.url",
        "step": "business_type",
        "transfer_id": transfer.public_id,
        "case_id": case.public_id,
        "full_account_id": full.account.public_id,
        "token": "x" * 24,
    }


def links_for_holders(admin, run_on_commit) -> list[str]:
    """Entry URLs of real bearer links: onboarding, remediation and support."""
    with run_on_commit():
        _connection, onboarding = create_account(
            actor=admin,
            livemode=True,
            country="US",
            email="holder@new.example",
            dashboard_type="express",
            **PRESETS["express"],
        )
    custom = ConnectionFactory(platform=admin.platform, custom=True, account__name="Remediated Co")
    Capability.objects.create(connection=custom, name="card_payments")
    requirement_services.recompute(custom)
    assert Requirement.objects.filter(connection=custom).exists()
    _link, remediation = requirement_services.create_remediation_link(actor=admin, connection=custom)
    full = ConnectionFactory(platform=admin.platform, account__name="Supported Co")
    SupportCaseFactory(connection=full, subject="Where is my payout?")
    _link, support = issue_support_link(actor=admin, connection=full)
    return [
        reverse("onboard_entry", args=[onboarding]),
        reverse("remediate_entry", args=[remediation]),
        reverse("support_cases:hosted_entry", args=[support]),
    ]


@dataclass
class Seed:
    name: str
    kwargs: dict[str, str]
    is_public: bool

    @property
    def path(self) -> str:
        return reverse(self.name, kwargs=self.kwargs)


def seed_urls(world: dict) -> list[Seed]:
    """Every URL pattern, its converters filled with the ids of the world's objects."""
    seeds = []
    for name, pattern in patterns():
        kwargs = {key: world.get(key, "x" * 24) for key in pattern.pattern.converters}
        if name.startswith("support_cases:") and "account_id" in kwargs:
            kwargs["account_id"] = world["full_account_id"]  # its support cases are shared
        seeds.append(Seed(name, kwargs, getattr(pattern.callback, "is_public", False)))
    return seeds


# --- the crawl ------------------------------------------------------------------------------------


class Crawl:
    def __init__(self, new_client, *, public_only: bool = False):
        self.new_client = new_client
        self.client = new_client()
        self.public_only = public_only
        self.pages: dict[tuple, str] = {}  # dedup key -> URL
        # (method, view, field names) -> the first such form. The same form of another account runs
        # the same parsing and validation: fuzzing it again would double the run for nothing.
        self.forms: dict[tuple, Form] = {}
        self.failures: list[str] = []
        self.requests = 0

    def request(
        self, method: str, url: str, data: dict | None = None, *, refused: bool = False, what: str = ""
    ):
        path = urlsplit(url).path
        try:
            name = resolve(path).view_name
        except Resolver404:
            name = ""
        client = self.new_client() if name in OWN_SESSION else self.client
        self.requests += 1
        # Forms post as htmx sends them (the dialogs' code path); pages load as a browser does.
        headers = {"HX-Request": "true"} if method == "post" else {}
        response = getattr(client, method)(url, data or {}, headers=headers)
        status = response.status_code
        if status >= 500 or (refused and status not in (400, 404)):
            self.failures.append(f"{method.upper()} {url[:200]} {what[:80]} -> {status}")
        return response

    def visit(self, url: str) -> None:
        split = urlsplit(url)
        if (
            split.scheme
            or split.netloc
            or not split.path.startswith("/")
            or split.path.startswith(NOT_CRAWLED)
        ):
            return
        try:
            match = resolve(split.path)
        except Resolver404:
            return
        if self.public_only and not getattr(match.func, "is_public", False):
            return
        key = (
            match.view_name,
            tuple(sorted(match.kwargs.items())),
            tuple(sorted({k for k, _ in parse_qsl(split.query, keep_blank_values=True)})),
        )
        if key in self.pages or len(self.pages) >= MAX_PAGES:
            return
        self.pages[key] = url
        response = self.request("get", url)
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            self.visit(response["Location"])
        if "html" not in response.get("Content-Type", "") or response.streaming:
            return
        parser = PageParser()
        parser.feed(response.content.decode(errors="replace"))
        for link in parser.links:
            self.visit(link)
        for form in parser.forms:
            target = form.target or url
            try:
                view = resolve(urlsplit(target).path).view_name
            except Resolver404:
                continue
            self.forms.setdefault(
                (form.method, view, tuple(sorted(form.names))),
                Form(form.method, target, form.values, form.names),
            )

    def fuzz_query_parameters(self) -> int:
        count = 0
        for url in list(self.pages.values()):
            split = urlsplit(url)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            for key in query:
                count += 1
                for label, payload in PAYLOADS.items():
                    self.request(
                        "get",
                        f"{split.path}?{urlencode({**query, key: payload})}",
                        refused=label in REFUSED_AT_THE_EDGE,
                        what=f"?{key}={label}",
                    )
        return count

    def fuzz_forms(self) -> int:
        count = 0
        # Removing an account or a person goes last: whatever it removes, the rest has been seen.
        for form in sorted(self.forms.values(), key=lambda f: "/remove/" in f.target):
            split = urlsplit(form.target)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            for name in sorted(form.names - {"csrfmiddlewaretoken"}):
                count += 1
                for label, payload in PAYLOADS.items():
                    refused = label in REFUSED_AT_THE_EDGE
                    if form.method == "get":
                        url = f"{split.path}?{urlencode({**query, **form.values, name: payload})}"
                        self.request("get", url, refused=refused, what=f"{name}={label}")
                    else:
                        self.request(
                            "post",
                            form.target,
                            {**form.values, name: payload},
                            refused=refused,
                            what=f"{name}={label}",
                        )
        return count

    def fuzz_paths(self, seeds: list[Seed]) -> int:
        count = 0
        for seed in seeds:
            if self.public_only and not seed.is_public:
                continue
            # reverse() refuses a NUL in a slug: route with placeholders, then put the payload in.
            route = reverse(seed.name, kwargs={key: f"__{key}__" for key in seed.kwargs})
            for key in seed.kwargs:
                count += 1
                for label, payload in PAYLOADS.items():
                    url = route
                    for name, value in {**seed.kwargs, key: payload}.items():
                        url = url.replace(f"__{name}__", quote(value, safe=""))
                    self.request("get", url, refused=label in REFUSED_AT_THE_EDGE, what=f"<{key}>={label}")
        return count

    def report(self, what: str) -> str:
        return f"{what}: {len(self.pages)} pages, {len(self.forms)} forms, {self.requests} requests"


def signed_in(admin, *, livemode: bool):
    def new_client():
        client = Client(raise_request_exception=False)
        client.force_login(admin.user)
        session = client.session
        session[SESSION_LIVEMODE] = livemode
        session.save()
        return client

    return new_client


def run(crawl: Crawl, seeds: list[Seed], starts: list[str]) -> str:
    for url in starts:
        crawl.visit(url)
    fields = crawl.fuzz_forms()
    parameters = crawl.fuzz_query_parameters()
    converters = crawl.fuzz_paths(seeds)
    summary = f"{crawl.report('crawl')}; {fields} form fields, {parameters} query parameters, {converters} path parts"
    print(summary)
    return summary


@pytest.mark.parametrize("livemode", [True, False], ids=["live mode", "test mode"])
def test_no_page_or_field_answers_5xx_to_an_administrator(admin, livemode):
    seeds = seed_urls(build_world(admin, livemode=livemode))
    crawl = Crawl(signed_in(admin, livemode=livemode))
    run(crawl, seeds, [seed.path for seed in seeds])
    assert len(crawl.forms) >= 40 and len(crawl.pages) >= 100, crawl.report("the crawl found too little")
    assert crawl.failures == []


def test_no_public_page_or_field_answers_5xx_to_an_anonymous_visitor(admin, run_on_commit):
    starts = links_for_holders(admin, run_on_commit)
    world = {
        "token": "x" * 24,
        "step": "business_type",
        "path": "business_profile.url",
        "case_id": "x" * 24,
        "full_account_id": "x" * 24,
    }
    # One browser holds the three links in its session, as an account holder's would.
    crawl = Crawl(lambda: Client(raise_request_exception=False), public_only=True)
    others = [f"{reverse('login')}?next=/accounts/", reverse("accept_invitation", args=["x" * 24])]
    run(crawl, seed_urls(world), [*starts, *others])
    assert len(crawl.forms) >= 15 and len(crawl.pages) >= 25, crawl.report("the crawl found too little")
    assert crawl.failures == []
