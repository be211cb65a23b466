"""The OGS client library: coordinates, models, REST, realtime, live games."""
