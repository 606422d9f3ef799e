"""Serving domains: the service catalog, enable/disable, status probes and the super-server
entries that start a server through virtuald."""
