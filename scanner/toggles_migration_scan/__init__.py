"""Find hard-coded legacy backend names and reads of retired toggles in any code tree, without Django settings."""

from .__about__ import __version__
from .findings import Category, Finding, Note, ScanResult, Severity, Skipped, SkipReason
from .reading import Target, TargetKind, declared_targets
from .scanner import ScanOptions, scan

__all__ = [
    "Category",
    "Finding",
    "Note",
    "ScanOptions",
    "ScanResult",
    "Severity",
    "SkipReason",
    "Skipped",
    "Target",
    "TargetKind",
    "__version__",
    "declared_targets",
    "scan",
]
