"""Find hard-coded legacy backend names and reads of retired toggles in any code tree, without Django settings."""

from .findings import Category, Finding, Note, ScanResult, Severity
from .scanner import ScanOptions, scan
from .targets import Target, TargetKind, declared_targets

__all__ = [
    "Category",
    "Finding",
    "Note",
    "ScanOptions",
    "ScanResult",
    "Severity",
    "Target",
    "TargetKind",
    "declared_targets",
    "scan",
]
