"""Pure strain-risk rules: one module per rule, the registry, and the shared history."""
