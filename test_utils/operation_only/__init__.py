"""
toggles_migration's migrations with 0002 written as a later retirement's migration is: the operation, literal names.

Selected with MIGRATION_MODULES, to prove that such a migration does what the shipped 0002 does.
"""
