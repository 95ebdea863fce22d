"""Paid leave: sick days (LV-1, Health and Safety ¶9) and vacation days (LV-2, Schedules ¶4)."""
