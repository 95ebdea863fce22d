"""Sealing personal data with per-person keys (crypto-shredding, SPEC §2)."""
