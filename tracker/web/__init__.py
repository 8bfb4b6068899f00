"""HTTP: pages for the public and staff, and the JSON API."""
