from django.apps import AppConfig


class RequirementsEngineConfig(AppConfig):
    name = "requirements_engine"
    verbose_name = "Requirements engine"

    def ready(self) -> None:
        from . import timeline

        timeline.register()  # how its audit events read on Home and Activity
        from accounts import hooks
        from platform_console import permissions

        from . import panels, services, sweeps

        # Idempotent: ready() may run more than once (tests, autoreload).
        for registry, entry in (
            (hooks.after_account_change, services.recompute),
            (hooks.fields_submitted, services.record_submission),
            (hooks.after_person_removed, services.forget_person),
            (hooks.after_activity_while_held, sweeps.resume_after_activity),
            (hooks.onboarding_paths, panels.onboarding_paths),
            (hooks.detail_panels, panels.ACTIONS_REQUIRED_PANEL),
            (hooks.list_actions, panels.SEND_REMEDIATION_LINKS),
        ):
            if entry not in registry:
                registry.append(entry)
        issuer = (permissions.CREATE_REMEDIATION_LINKS, services.exported_remediation_link)
        if issuer not in hooks.remediation_link_issuers:
            hooks.remediation_link_issuers.append(issuer)
