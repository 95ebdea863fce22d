"""Farm standing (SU-1..SU-3): facts folded per farm, replayed in business-time order with timers."""
