"""Ministry integration adapters, the outbox worker and the ministry simulators (a later issue)."""
