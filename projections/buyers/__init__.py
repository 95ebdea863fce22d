"""Buyers (BU-1): every standing change notified to each buyer linked on that date."""
