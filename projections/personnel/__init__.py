"""Personnel (PE-1): termination of Article I offenders and the cross-farm ban registry."""
