"""The production path: the Helm chart (chart), its tools (tools), a local cluster (cluster)."""
