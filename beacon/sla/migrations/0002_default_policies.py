"""A 24/7 default calendar and one policy per priority, VIP tier 3 and above getting half the time."""

from django.db import migrations

# priority: (first response, resolution) in minutes; next response follows first response.
TARGETS = {
    1: (15, 4 * 60),
    2: (60, 24 * 60),
    3: (4 * 60, 72 * 60),
    4: (24 * 60, 7 * 24 * 60),
}
VIP_TIER_MIN = 3


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    BusinessCalendar.objects.get_or_create(
        name="24/7",
        defaults={"time_zone": "UTC", "always_open": True, "is_default": True},
    )
    for priority, (first, resolution) in TARGETS.items():
        SlaPolicy.objects.get_or_create(
            name=f"P{priority} VIP {VIP_TIER_MIN}+",
            defaults={
                "position": 10 + priority,
                "priority": priority,
                "vip_tier_min": VIP_TIER_MIN,
                "first_response_minutes": first // 2,
                "next_response_minutes": first // 2,
                "resolution_minutes": resolution // 2,
            },
        )
        SlaPolicy.objects.get_or_create(
            name=f"P{priority}",
            defaults={
                "position": 100 + priority,
                "priority": priority,
                "first_response_minutes": first,
                "next_response_minutes": first,
                "resolution_minutes": resolution,
            },
        )


def unseed(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    names = [f"P{p}" for p in TARGETS] + [f"P{p} VIP {VIP_TIER_MIN}+" for p in TARGETS]
    SlaPolicy.objects.filter(name__in=names, targets__isnull=True).delete()
    BusinessCalendar.objects.filter(name="24/7", team_links__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
