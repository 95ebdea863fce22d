"""Membership: who the farm is, its owner, time zone, buyers, cooperatives, workers and personnel."""
