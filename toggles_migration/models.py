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
    # The plan at capture time, without its lists: those are in PlanPiece rows, so that no stored value grows
    # with the site. It names backends and managed options only.
    plan_json = models.JSONField()

    class Meta:
        ordering = ("toggle",)

    def __str__(self) -> str:
        return f"{self.toggle} ({self.state})"


class CapturedRow(models.Model):
    """One stored row of a retired toggle, its column values as JSON, restorable byte for byte."""

    capture = models.ForeignKey(Capture, related_name="rows", on_delete=models.CASCADE)
    table = models.CharField(max_length=64)
    row_id = models.BigIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ("capture", "table", "row_id")
        constraints = [
            models.UniqueConstraint(fields=("capture", "table", "row_id"), name="toggles_migration_row_once"),
        ]

    def __str__(self) -> str:
        return f"{self.table}#{self.row_id}"


class PlanPiece(models.Model):
    """Consecutive items of one list of a capture's plan (its exceptions, say), under the statement budget."""

    capture = models.ForeignKey(Capture, related_name="plan_pieces", on_delete=models.CASCADE)
    # The pieces' order in the capture: a list is its items in the head, then those of its pieces by seq.
    seq = models.PositiveIntegerField()
    # Where the list is in the plan, as a JSON Pointer (RFC 6901), e.g. "/exceptions".
    path = models.TextField()
    items = models.JSONField()

    class Meta:
        ordering = ("capture", "seq")
        constraints = [
            models.UniqueConstraint(fields=("capture", "seq"), name="toggles_migration_piece_once"),
        ]

    def __str__(self) -> str:
        return f"{self.path}#{self.seq}"
