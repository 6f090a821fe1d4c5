"""Take the documentation's screenshots of the captures admin: ``python -m demo.screenshot`` (``make screenshots``)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
PAGES = {"captures-admin.png": "/admin/toggles_migration/capture/"}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,360",
]


def main():
    """Run the demo upgrade, render each admin page signed in, and photograph it with headless Chromium."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("Chromium is not installed (Debian: apt-get install chromium).", file=sys.stderr)
        return 2
    subprocess.run([sys.executable, "-m", "demo"], cwd=ROOT, check=True, capture_output=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo.screenshot_settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    User = get_user_model()

    call_command("migrate", "admin", verbosity=0)
    user = User.objects.filter(username="operator").first() or User.objects.create_superuser("operator", "", None)
    client = Client()
    client.force_login(user)
    build = ROOT / "build" / "screenshots"
    build.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, url in PAGES.items():
        page = build / f"{name}.html"
        html = client.get(url).content.decode()
        page.write_text(html.replace('="/static/', f'="{settings.STATIC_FILES_URI}'), encoding="utf-8")
        profile = f"--user-data-dir={build / 'profile'}"
        command = [browser, *CHROMIUM_FLAGS, profile, f"--screenshot={OUT / name}", page.as_uri()]
        subprocess.run(command, check=True, capture_output=True)
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
