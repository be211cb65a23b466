"""GTP engines: one process, clock translation, process managers."""
