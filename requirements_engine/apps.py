from django.apps import AppConfig


class RequirementsEngineConfig(AppConfig):
    name = "requirements_engine"
    verbose_name = "Requirements engine"
