"""The notices the package reports, their stable IDs and hints, and the system checks that report them."""
