"""Migrations named as upstream's: 0025_auto_20210702_1602 added the proctoring columns."""
