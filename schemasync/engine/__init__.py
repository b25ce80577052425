"""The planner: match, resolve, compare and order objects of every kind (pure: no I/O)."""
