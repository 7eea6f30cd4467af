from django.apps import AppConfig


class SupportCasesConfig(AppConfig):
    name = "support_cases"
    verbose_name = "Support cases"
