"""The local OGS emulator: server, referee, built-in players."""
