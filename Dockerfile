# ogsbot with GNU Go, for running a bot on OGS:
#   docker build -t ogsbot .
#   docker run -d --name mybot -e OGSBOT_API_KEY=... \
#       -v "$PWD/bot.yaml:/config/bot.yaml:ro" -v "$PWD/sgf:/data/sgf" ogsbot
# The config's game.sgf_dir should be /data/sgf (the volume) to keep the records.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends gnugo \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/ogsbot
COPY pyproject.toml README.md ./
COPY src ./src
COPY engines ./engines
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 ogsbot \
    && mkdir -p /config /data/sgf \
    && chown ogsbot /data/sgf

USER ogsbot
ENV PATH="/usr/games:${PATH}" PYTHONUNBUFFERED=1
VOLUME ["/data/sgf"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["ogsbot"]
CMD ["run", "-c", "/config/bot.yaml"]
