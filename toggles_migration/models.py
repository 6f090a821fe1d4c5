"""The captured state of retired toggles: a snapshot of every stored row and the decision taken from it."""

from django.db import models


class Capture(models.Model):
    """
    The snapshot of one retired toggle, taken by migration 0002 or ``retire_toggle prune --refresh``.

    .. no_pii: toggle names, decisions and the stored rows of waffle flags and overrides (user ids only).
    """

    CAPTURED = "captured"
    PRUNED = "pruned"
    STATES = ((CAPTURED, "Captured"), (PRUNED, "Pruned"))

    toggle = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=16, choices=STATES, default=CAPTURED)
    captured_at = models.DateTimeField()
    pruned_at = models.DateTimeField(null=True, blank=True)
    decision_value = models.BooleanField()
    decision_status = models.CharField(max_length=16)
    row_count = models.PositiveIntegerField(default=0)
    # The plan at capture time, as deterministic JSON; it names backends and managed options only.
    plan_json = models.TextField()

    class Meta:
        ordering = ("toggle",)

    def __str__(self) -> str:
        return f"{self.toggle} ({self.state})"


class CapturedRow(models.Model):
    """One stored row of a retired toggle, column values as JSON, restorable byte for byte."""

    capture = models.ForeignKey(Capture, related_name="rows", on_delete=models.CASCADE)
    table = models.CharField(max_length=64)
    row_id = models.BigIntegerField()
    data = models.TextField()

    class Meta:
        ordering = ("capture", "table", "row_id")
        constraints = [
            models.UniqueConstraint(fields=("capture", "table", "row_id"), name="toggles_migration_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.row_id}"
