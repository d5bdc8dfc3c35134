"""Graph: person edges, roles and facilitator networks."""
