# ogsbot with GNU Go, for running a bot on OGS:
#   docker build -t ogsbot .
#   docker run -d --name mybot --stop-timeout 630 -e OGSBOT_API_KEY=... \
#       -v "$PWD/bot.yaml:/config/bot.yaml:ro" -v "$PWD/sgf:/data/sgf" ogsbot
# Records go to the /data/sgf volume (the CMD passes --sgf-dir), written as each game goes.
# --stop-timeout: docker stop kills after 10 s by default, but the daemon waits up to
# shutdown_wait (600 s) for live games to end; give it that and a little more.
FROM python:3.11-slim

# tini: PID 1 that forwards docker stop's SIGTERM to ogsbot and reaps engines' orphans.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gnugo tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/ogsbot
COPY pyproject.toml README.md ./
COPY src ./src
COPY engines ./engines
RUN pip install --no-cache-dir . \
    && groupadd --gid 10001 ogsbot \
    && useradd --create-home --uid 10001 --gid 10001 ogsbot \
    && mkdir -p /config /data/sgf \
    && chown ogsbot:ogsbot /data/sgf
COPY docker-entrypoint.sh /usr/local/bin/ogsbot-entrypoint

# No USER: the entrypoint starts as root only to make a bind-mounted /data/sgf writable,
# then runs ogsbot as uid 10001 (and works as is under `docker run --user`).
ENV PATH="/usr/games:${PATH}" PYTHONUNBUFFERED=1 HOME=/home/ogsbot \
    OGSBOT_HEARTBEAT=/tmp/ogsbot.heartbeat
WORKDIR /home/ogsbot
VOLUME ["/data/sgf"]
STOPSIGNAL SIGTERM
# The daemon touches $OGSBOT_HEARTBEAT every few seconds: older than 120 s means it hangs.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "beat=$(stat -c %Y \"$OGSBOT_HEARTBEAT\") && [ $(( $(date +%s) - beat )) -le 120 ]"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/ogsbot-entrypoint"]
CMD ["run", "-c", "/config/bot.yaml", "--sgf-dir", "/data/sgf"]
