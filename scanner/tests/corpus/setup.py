"""Package metadata of the fork's proctoring plugin."""

from setuptools import setup

setup(
    name="fork-proctoring",
    description="Exam settings for Proctortrack courses",
    install_requires=["edx-proctoring-proctortrack>=1.0"],
    entry_points={"openedx.proctoring": ["proctortrack = fork_proctoring.backends:Backend"]},
)
