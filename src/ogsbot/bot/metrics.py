"""The daemon's Prometheus metrics, made with prometheus_client, in a registry of its own (no
global state: two daemons in one process, as in the tests, keep theirs apart).

Events are counted where they happen (a move sent, an engine's think, a failure, a challenge
answered); what is a state (games by speed and phase, the least time left, engine processes,
reconnects) is read from the daemon when Prometheus scrapes, by a collector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds, from a fast engine's move to a correspondence game's long think.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
THINK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


@dataclass(frozen=True)
class GameSample:
    """One game as the scrape sees it."""

    speed: str
    phase: str
    time_left: float | None  # the bot's, in seconds


@dataclass(frozen=True)
class ScrapeState:
    """What the collector reads from the daemon at each scrape."""

    games: list[GameSample] = field(default_factory=list)
    engine_processes: int = 0
    analysis_endpoints_up: int = 0
    analysis_endpoints: int = 0
    reconnects: int = 0
    engine_restarts: int = 0  # GTP processes started again, analysis endpoints restarted
    open_offers: int = 0  # open challenges on the seek graph (`seek:`)


class BotMetrics:
    """Every metric of one daemon, and the registry /metrics serves."""

    def __init__(self, state: Callable[[], ScrapeState] = ScrapeState) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.moves = Counter(
            "ogsbot_moves", "Moves the bot sent, by speed", ["speed"], registry=registry
        )
        self.move_latency = Histogram(
            "ogsbot_move_latency_seconds",
            "From the server's event that made it the bot's turn to its move sent",
            ["speed"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.think = Histogram(
            "ogsbot_engine_think_seconds",
            "The engine's time for a move, by engine kind (gtp, katago-analysis)",
            ["kind"],
            buckets=THINK_BUCKETS,
            registry=registry,
        )
        self.engine_failures = Counter(
            "ogsbot_engine_failures",
            "Engine failures in games (crash, hang, bad reply, no answer in time)",
            ["kind"],
            registry=registry,
        )
        self.challenges = Counter(
            "ogsbot_challenges",
            "Challenges answered: accepted, or declined with OGS's rejection code",
            ["result", "reason"],
            registry=registry,
        )
        self.bot_challenges = Counter(
            "ogsbot_bot_challenges",
            "Challenges sent to other bots (matchmaking), by what became of them: sent, "
            "accepted, declined, withdrawn (not answered in time), failed (the post)",
            ["result"],
            registry=registry,
        )
        self.rest_errors = Counter(
            "ogsbot_rest_errors",
            "REST calls that failed, by HTTP status (0: no answer)",
            ["status"],
            registry=registry,
        )
        registry.register(_StateCollector(state))

    def rest_errors_by_status(self) -> dict[str, int]:
        """The failed REST tries so far, by HTTP status, for `ogsbot status`."""
        return {
            sample.labels["status"]: int(sample.value)
            for family in self.rest_errors.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
        }


class _StateCollector(Collector):
    """The gauges read from the daemon when Prometheus scrapes."""

    def __init__(self, state: Callable[[], ScrapeState]) -> None:
        self._state = state

    def collect(self) -> Iterable[Metric]:
        state = self._state()
        games = GaugeMetricFamily(
            "ogsbot_games", "Games in play, by speed and phase", labels=["speed", "phase"]
        )
        counts: dict[tuple[str, str], int] = {}
        for game in state.games:
            key = (game.speed, game.phase)
            counts[key] = counts.get(key, 0) + 1
        for (speed, phase), count in sorted(counts.items()):
            games.add_metric([speed, phase], count)
        yield games
        lefts = [g.time_left for g in state.games if g.time_left is not None]
        least = GaugeMetricFamily(
            "ogsbot_min_time_left_seconds",
            "The least time the bot has left on any game's clock (absent without timed games)",
        )
        if lefts:
            least.add_metric([], min(lefts))
        yield least
        yield GaugeMetricFamily(
            "ogsbot_engine_processes", "Engine processes alive", value=state.engine_processes
        )
        up = GaugeMetricFamily(
            "ogsbot_analysis_endpoints", "Analysis endpoints, by state", labels=["state"]
        )
        up.add_metric(["up"], state.analysis_endpoints_up)
        up.add_metric(["down"], state.analysis_endpoints - state.analysis_endpoints_up)
        yield up
        yield CounterMetricFamily(
            "ogsbot_reconnects", "Realtime reconnections since the start", value=state.reconnects
        )
        yield GaugeMetricFamily(
            "ogsbot_open_offers", "Open challenges the bot has on the seek graph",
            value=state.open_offers,
        )  # fmt: skip
        yield CounterMetricFamily(
            "ogsbot_engine_restarts",
            "Engine processes started again (after a death, a hang or an idle stop)",
            value=state.engine_restarts,
        )
