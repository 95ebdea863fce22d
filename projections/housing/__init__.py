"""Housing (Code Part 3 Housing): HO-1 notice to vacate."""
