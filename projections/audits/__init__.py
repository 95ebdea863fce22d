"""Audits, violations, corrective action plans (AU-1..AU-8, CAP actions)."""
