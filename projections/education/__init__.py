"""Farmer and farmworker education (Code Part 2): education hours (ED-1) and the handbook at hire (ED-2)."""
