"""Kin programs (SPEC §5): what the buyers\x27 premium, recruitment and risk rules share across farms."""
