"""The bot daemon: configuration, challenge rules, game sessions and the daemon itself.

- `config`: the YAML file -> a validated, frozen `Config` (`load_config`, `config_schema`).
- `rules`: a challenge and the current load -> accept, or decline with OGS's code (`decide`).
- `session`: one game from connect to SGF; `daemon`: login, challenges, sessions, shutdown.

Only the pure modules are re-exported here, so importing this package starts nothing.
"""

from ogsbot.bot.config import Config, ConfigError, config_schema, load_config, parse_config
from ogsbot.bot.rules import Decision, Load, decide, explain

__all__ = [
    "Config",
    "ConfigError",
    "Decision",
    "Load",
    "config_schema",
    "decide",
    "explain",
    "load_config",
    "parse_config",
]
