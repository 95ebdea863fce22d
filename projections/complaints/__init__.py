"""Complaints (CO-1..CO-4): reporting and sharing deadlines, confidentiality."""
