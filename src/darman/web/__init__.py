"""Persian, right-to-left web pages rendered on the server."""
