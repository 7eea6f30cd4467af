"""**Send remediation links** to every account of a filtered list (issue 20): a job over the
accounts fixed when it starts, each account exactly once however often the job runs, resumed when
its worker dies, skipped accounts with their reasons, audited as one action with its members."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountLink
from platform_console.models import AuditEvent, OutboxEmail
from requirements_engine import bulk
from requirements_engine.models import BulkRemediation, BulkRemediationItem
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = pytest.mark.django_db
NEW = reverse("requirements_engine:bulk_new")


@pytest.fixture
def accounts(platform):
    """Newest first: two past-due accounts with an email, one without, one with nothing due."""
    now = timezone.now()

    def make(name, n, *, email=True, due=True):
        return ConnectionFactory(
            platform=platform, created_at=now - timedelta(hours=n),
            account=AccountFactory(name=name, email=f"{name.split()[0].lower()}@example.test" if email else ""),
            actions_required=due, currently_due_count=1 if due else 0, past_due_count=1 if due else 0,
        )

    return [make("Acme Bakery", 0), make("Blue Cafe", 1), make("Quiet Mill", 2, email=False),
            make("Done Deli", 3, due=False)]


def sent_links():
    return AccountLink.objects.filter(kind=AccountLink.Kind.REMEDIATION)


def emails():
    return OutboxEmail.objects.filter(template="requirements_engine/email/remediation_link")


def test_a_bulk_send_sends_each_due_account_one_link_and_says_why_it_skipped_the_others(admin, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={})
    assert job.total == 4 and job.items.filter(status="pending").count() == 4
    assert bulk.run(job.pk) == 4
    job.refresh_from_db()
    summary = bulk.summary(job)
    assert (summary["sent"], summary["skipped"], summary["failed"], summary["pending"]) == (2, 2, 0, 0)
    assert dict(summary["reasons"]) == {bulk.NO_EMAIL: 1, bulk.NOTHING_DUE: 1}
    assert job.status == BulkRemediation.Status.DONE and job.finished_at and summary["percent"] == 100
    assert sent_links().count() == 2 and emails().count() == 2
    assert set(emails().values_list("to", flat=True)) == {"acme@example.test", "blue@example.test"}


def test_running_again_sends_nothing_twice_and_audits_the_send_once_with_its_members(admin, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={})
    bulk.run(job.pk)
    assert bulk.run(job.pk) == 0
    assert sent_links().count() == 2 and emails().count() == 2
    started = AuditEvent.objects.get(action="remediation_links.bulk_started")
    finished = AuditEvent.objects.get(action="remediation_links.bulk_finished")
    assert started.after["accounts"] == 4 and started.actor == admin
    members = finished.after["accounts"]
    assert finished.after["sent"] == 2 and finished.after["skipped"] == 2
    assert set(members["sent"]) == {accounts[0].account.public_id, accounts[1].account.public_id}
    assert AuditEvent.objects.filter(action="remediation_link.created").count() == 2  # and each link its own


def test_a_job_whose_worker_died_resumes_where_it_stopped(admin, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={})
    assert bulk.run(job.pk, limit=1) == 1  # the worker died after one account
    job.refresh_from_db()
    assert job.status == BulkRemediation.Status.RUNNING and bulk.summary(job)["processed"] == 1
    assert not bulk.resume_if_stalled(job)  # it moved a moment ago
    BulkRemediation.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - bulk.STALLED_AFTER * 2)
    job.refresh_from_db()
    assert bulk.resume_if_stalled(job)  # queued again (in-process here): it finishes
    job.refresh_from_db()
    assert job.status == BulkRemediation.Status.DONE
    assert sent_links().count() == 2 and emails().count() == 2


def test_only_the_accounts_the_filters_show_are_sent_to(admin, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={"q": "acme", "needs": "past_due"})
    assert list(job.items.values_list("connection", flat=True)) == [accounts[0].pk]
    assert job.filters == {"q": "acme", "needs": "past_due"}


def test_a_list_over_the_limit_and_an_empty_one_are_refused(admin, accounts, monkeypatch):
    monkeypatch.setattr(bulk, "LIMIT", 3)
    with pytest.raises(bulk.BulkError, match="limited to 3 accounts"):
        bulk.start(actor=admin, livemode=True, filters={})
    with pytest.raises(bulk.BulkError, match="No account matches"):
        bulk.start(actor=admin, livemode=True, filters={"q": "nothing like it"})
    assert not BulkRemediation.objects.exists()


def test_roles_without_remediation_links_cannot_start_one(analyst, accounts):
    from accounts.errors import NotAllowed

    with pytest.raises(NotAllowed):
        bulk.start(actor=analyst, livemode=True, filters={})


def test_the_list_offers_it_to_roles_that_may(operator_client, admin, viewer, accounts):
    assert 'data-testid="bulk-remediation"' in operator_client(admin).get(reverse("accounts:list")).content.decode()
    assert 'data-testid="bulk-remediation"' not in operator_client(viewer).get(reverse("accounts:list")).content.decode()
    assert operator_client(viewer).get(NEW).status_code == 403


def test_confirm_start_and_follow_in_the_console(operator_client, admin, accounts, django_capture_on_commit_callbacks):
    client = operator_client(admin)
    page = client.get(NEW, {"needs": "past_due"}).content.decode()
    assert "3 accounts match" in page and "Past due" in page and "Quiet Mill" in page
    with django_capture_on_commit_callbacks(execute=True):  # the job runs in-process after the commit
        response = client.post(NEW, {"needs": "past_due"})
    job = BulkRemediation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("requirements_engine:bulk_detail", args=[job.public_id])
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="bulk-status">Done' in html and 'data-testid="bulk-sent">2<' in html
    assert bulk.NO_EMAIL in html and "every 1s" not in html  # done: it stops polling
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="bulk-progress"')


def test_a_running_job_polls_and_another_platforms_job_is_not_found(operator_client, admin, other_platform, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={})  # not run yet (no commit in this test)
    html = operator_client(admin).get(reverse("requirements_engine:bulk_detail", args=[job.public_id])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "0 of 4" in html
    theirs = BulkRemediation.objects.create(platform=other_platform, livemode=True, total=0)
    assert operator_client(admin).get(reverse("requirements_engine:bulk_detail", args=[theirs.public_id])).status_code == 404
    assert BulkRemediationItem.objects.count() == 4


def test_home_and_the_audit_log_say_what_the_send_did_in_words(admin, accounts):
    from platform_console import timeline

    job = bulk.start(actor=admin, livemode=True, filters={})
    bulk.run(job.pk)
    events = AuditEvent.objects.filter(action__startswith="remediation_links.bulk").order_by("created_at", "id")
    texts = [line.html for line in timeline.lines(events, names={})]
    assert texts == ["started sending remediation links to 4 accounts", "sent 2 remediation links (2 skipped, 0 failed)"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_job_send_each_account_once(admin, platform):
    """Row locks (SKIP LOCKED) share the items out: a resumed job beside its first worker, still
    running, sends no account twice."""
    import threading

    from django.db import connection as db_connection

    for n in range(12):
        ConnectionFactory(platform=platform, account=AccountFactory(name=f"Shop {n}", email=f"s{n}@example.test"),
                          actions_required=True, currently_due_count=1)
    job = bulk.start(actor=admin, livemode=True, filters={})
    done, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            done.append(bulk.run(job.pk))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(done) <= 12 and len(done) == 2
    assert sent_links().count() == 12 and emails().count() == 12
    assert BulkRemediationItem.objects.filter(job=job, status="sent").count() == 12
    assert AuditEvent.objects.filter(action="remediation_links.bulk_finished").count() == 1


def test_a_second_submit_joins_the_running_send(admin, accounts):
    first = bulk.start(actor=admin, livemode=True, filters={"needs": "past_due"})
    assert bulk.start(actor=admin, livemode=True, filters={"needs": "past_due"}) == first
    assert BulkRemediation.objects.count() == 1
    bulk.run(first.pk)
    assert bulk.start(actor=admin, livemode=True, filters={"needs": "past_due"}) != first  # done: a new send


def test_a_send_whose_operator_was_removed_still_finishes(admin, accounts):
    job = bulk.start(actor=admin, livemode=True, filters={})
    admin.delete()
    bulk.run(job.pk)
    job.refresh_from_db()
    summary = bulk.summary(job)
    assert job.status == BulkRemediation.Status.DONE and summary["failed"] == 2 and summary["sent"] == 0
    finished = AuditEvent.objects.get(action="remediation_links.bulk_finished")
    assert finished.actor is None and finished.platform == job.platform
