"""support_cases.demo.seed: cases inside and outside the window and one account per exception, twice safe."""

import pytest
from django.utils import timezone

from support_cases import demo, selectors
from support_cases.models import Message, SupportCase
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(platform):
    return [
        ConnectionFactory(platform=platform, account__name=f"Demo {n:02}", express=n % 2 == 1)
        for n in range(8)
    ]


def test_seeds_cases_inside_and_outside_the_window_and_each_exception(platform, admin, accounts):
    counts = demo.seed(platform, admin)
    assert counts["exceptions"] == 3
    cutoff = selectors.window_start(timezone.now())
    assert SupportCase.objects.filter(opened_at__gte=cutoff).exists()
    assert SupportCase.objects.filter(opened_at__lt=cutoff).exists()
    assert Message.objects.filter(author_kind="platform").exists()
    codes = {r.code for c in accounts for r in selectors.hidden_reasons(c.__class__.objects.get(pk=c.pk))}
    assert codes == {"multiple_platforms", "is_platform", "opted_out"}


def test_running_it_twice_changes_nothing(platform, admin, accounts):
    demo.seed(platform, admin)
    before = (SupportCase.objects.count(), Message.objects.count())
    demo.seed(platform, admin)
    assert (SupportCase.objects.count(), Message.objects.count()) == before
