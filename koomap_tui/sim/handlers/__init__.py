"""Operation handlers, one module per API group; each returns JSON-able data or Raw."""
