"""Appeals (AP-1..AP-5): windows, hearings, decisions, the arbitrator's fee."""
