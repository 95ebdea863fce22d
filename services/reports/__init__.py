"""Reports people hand on: a farm's compliance report as PDF, and every dashboard list as CSV."""
