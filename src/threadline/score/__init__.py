"""Score: buyer risk, jurisdiction, facilitator rescue priority."""
