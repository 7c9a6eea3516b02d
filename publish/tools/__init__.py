"""Tools: what works on finished outputs (check, preview) and the live preview server."""
