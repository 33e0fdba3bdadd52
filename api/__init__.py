"""The Falcon application serving Ralph's REST API."""
