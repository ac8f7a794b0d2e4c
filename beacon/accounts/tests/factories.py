"""Factories for people and teams."""

from __future__ import annotations

import factory

from beacon.accounts.models import Membership, Role, Team, User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    role = Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    exchange_uid = factory.Sequence(lambda n: f"{10_000_000 + n}")
    email_verified = True


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name_en = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    name_zh = "团队"


class AgentFactory(UserFactory):
    role = Role.AGENT
    skills_languages = factory.LazyFunction(lambda: ["en", "zh-hans"])

    @factory.post_generation
    def teams(
        obj: User, create: bool, extracted: list[Team] | None, **kwargs: object
    ) -> None:
        for team in extracted or []:
            Membership.objects.create(user=obj, team=team)
