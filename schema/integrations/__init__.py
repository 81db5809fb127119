"""The operator view of the ministry integrations: `integrationStatus`, `retryDeadLetter`."""
