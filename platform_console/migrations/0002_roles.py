"""The five roles the console ships with (domain.md §6). A copy of the data as it stood when
this migration was written; later changes to roles are data changes in the back office."""

from django.db import migrations

ROLES = [   {   'description': 'Full access, including moving money, removing accounts and managing the '
                       'team.',
        'name': 'Administrator',
        'permissions': [   'accounts.create',
                           'accounts.delete',
                           'accounts.edit_profile',
                           'accounts.export',
                           'accounts.pause',
                           'accounts.reject',
                           'accounts.remove',
                           'accounts.view',
                           'accounts.view_as',
                           'audit.view',
                           'capabilities.edit',
                           'external_accounts.manage',
                           'money.add_to_balance',
                           'money.pull_funds',
                           'money.reverse_transfers',
                           'money.send_funds',
                           'money.send_to_external',
                           'money.view_balances',
                           'payouts.edit_schedule',
                           'persons.manage',
                           'platform.edit_profile',
                           'remediation_links.create',
                           'requirements.submit',
                           'support_cases.email',
                           'support_cases.view',
                           'team.manage'],
        'slug': 'admin'},
    {   'description': 'Creates and manages accounts; no money movement.',
        'name': 'Developer',
        'permissions': [   'accounts.create',
                           'accounts.edit_profile',
                           'accounts.export',
                           'accounts.pause',
                           'accounts.reject',
                           'accounts.view',
                           'accounts.view_as',
                           'audit.view',
                           'capabilities.edit',
                           'external_accounts.manage',
                           'money.view_balances',
                           'payouts.edit_schedule',
                           'persons.manage',
                           'remediation_links.create',
                           'requirements.submit',
                           'support_cases.view'],
        'slug': 'developer'},
    {   'description': 'Reads accounts and balances and exports them.',
        'name': 'Analyst',
        'permissions': ['accounts.export', 'accounts.view', 'money.view_balances'],
        'slug': 'analyst'},
    {   'description': 'Helps accounts: edits details, remediates requirements, works support '
                       'cases.',
        'name': 'Support specialist',
        'permissions': [   'accounts.edit_profile',
                           'accounts.export',
                           'accounts.pause',
                           'accounts.reject',
                           'accounts.view',
                           'accounts.view_as',
                           'capabilities.edit',
                           'external_accounts.manage',
                           'payouts.edit_schedule',
                           'persons.manage',
                           'remediation_links.create',
                           'requirements.submit',
                           'support_cases.email',
                           'support_cases.view'],
        'slug': 'support_specialist'},
    {   'description': 'Reads accounts and balances.',
        'name': 'View only',
        'permissions': ['accounts.view', 'money.view_balances'],
        'slug': 'view_only'}]


def add_roles(apps, schema_editor):
    Role = apps.get_model("platform_console", "Role")
    for position, role in enumerate(ROLES):
        Role.objects.update_or_create(slug=role["slug"], defaults={**role, "position": position})


def remove_roles(apps, schema_editor):
    apps.get_model("platform_console", "Role").objects.filter(slug__in=[r["slug"] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("platform_console", "0001_initial")]

    operations = [migrations.RunPython(add_roles, remove_roles)]
