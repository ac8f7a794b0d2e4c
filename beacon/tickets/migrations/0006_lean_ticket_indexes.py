"""Fewer index writes per ticket (docs/performance.md, "Tails and checkpoints").

team, assignee and customer lose their single-column indexes: composite indexes that start with
them serve the same lookups. follow_up_of and merged_into, set on few tickets, get partial
indexes instead, which leave every other row out.

Only the indexes change in the database. Django's SQLite backend would rebuild the whole ticket
table for each altered field, which drops the full-text triggers with the old table; so the
field changes are recorded in the migration state only and the indexes are dropped by name
(the names Django gave them, the same on SQLite and PostgreSQL).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The indexes Django gave these foreign keys (its names, the same on SQLite and PostgreSQL).
_FOREIGN_KEY_INDEXES = {
    "tickets_ticket_assignee_id_3a5aa407": "assignee_id",
    "tickets_ticket_customer_id_f2d9135a": "customer_id",
    "tickets_ticket_team_id_5a4e7469": "team_id",
    "tickets_ticket_follow_up_of_id_29bc6d56": "follow_up_of_id",
    "tickets_ticket_merged_into_id_3a36ad40": "merged_into_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tickets", "0005_ticket_participants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_tickets",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="follow_up_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="follow_ups",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merged_tickets",
                        to="tickets.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="tickets",
                        to="accounts.team",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "tickets_ticket" ("{column}")',
                )
                for name, column in _FOREIGN_KEY_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("follow_up_of__isnull", False)),
                fields=["follow_up_of"],
                name="ticket_follow_up_of_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="ticket_merged_into_idx",
            ),
        ),
    ]
