"""factory-boy factories of support cases: each builds a valid object with no arguments."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from support_cases.models import Message, SupportCase
from tests.factories import ConnectionFactory


class SupportCaseFactory(DjangoModelFactory):
    class Meta:
        model = SupportCase

    connection = factory.SubFactory(ConnectionFactory)
    platform = factory.LazyAttribute(lambda o: o.connection.platform)
    subject = factory.Sequence(lambda n: f"Question {n} about payouts")
    description = "Our payout has not arrived."
    category = SupportCase.Category.PAYOUTS
    opened_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.opened_at)

    class Params:
        closed = factory.Trait(status=SupportCase.Status.CLOSED, closed_at=factory.LazyFunction(timezone.now))


class MessageFactory(DjangoModelFactory):
    """An account message; MessageFactory(provider=True) or (private=True, membership=m) for the others."""

    class Meta:
        model = Message

    case = factory.SubFactory(SupportCaseFactory)
    platform = factory.LazyAttribute(lambda o: o.case.platform)
    author_kind = Message.Author.ACCOUNT
    author_label = "Acme Bakery"
    body = factory.Sequence(lambda n: f"Message number {n}.")

    class Params:
        provider = factory.Trait(author_kind=Message.Author.PROVIDER, author_label="Provider support")
        private = factory.Trait(author_kind=Message.Author.PLATFORM, author_label="Sam Support")
