"""The demo instance with the Django admin, for the screenshots of the documentation."""

from pathlib import Path

import django.contrib.admin

from demo.settings import *  # noqa: F403  pylint: disable=wildcard-import,unused-wildcard-import

INSTALLED_APPS = ["django.contrib.admin", "django.contrib.messages", "django.contrib.sessions", *INSTALLED_APPS]  # noqa: F405
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
ROOT_URLCONF = "test_utils.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"
# The pages are saved as files and opened by a headless browser, which reads the admin's own static files here.
STATIC_FILES_URI = (Path(django.contrib.admin.__file__).parent / "static").as_uri() + "/"
ALLOWED_HOSTS = ["testserver"]
TIME_ZONE = "UTC"
