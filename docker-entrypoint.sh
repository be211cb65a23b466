#!/bin/sh
# ogsbot's container entrypoint: make the records folder writable, then run as uid 10001.
#
# A bind mount (-v "$PWD/sgf:/data/sgf") keeps the host's owner, so the image's own chown
# does not reach it and every SGF write would fail with EACCES. Started as root (the
# default), this gives the folder to the bot's user and drops privileges with setpriv
# (util-linux, in the slim image). Started with `docker run --user ...`, it cannot chown:
# it only checks that the folder is writable and says what to do if it is not.
#
# Arguments: an ogsbot command line (`run -c /config/bot.yaml ...`), or any program
# (`sh`) to run instead, with the same user switch.
#
# Environment: OGSBOT_SGF_DIR (default /data/sgf; empty skips the folder), OGSBOT_UID and
# OGSBOT_GID (default 10001).
set -eu

sgf_dir=${OGSBOT_SGF_DIR-/data/sgf}
uid=${OGSBOT_UID:-10001}
gid=${OGSBOT_GID:-10001}

# An ogsbot command (`run`, `check-config`, an option) runs ogsbot; a program runs as is.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
    set -- ogsbot "$@"
fi

as_bot() {
    setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}

if [ "$(id -u)" = 0 ]; then
    if [ -n "$sgf_dir" ]; then
        mkdir -p "$sgf_dir"
        # Only what the bot's user does not own yet: cheap on a folder of old records.
        find "$sgf_dir" ! -user "$uid" -exec chown "$uid:$gid" {} + 2>/dev/null || true
        if ! as_bot test -w "$sgf_dir"; then
            echo "ogsbot: $sgf_dir cannot be made writable for uid $uid (a read-only or" \
                "root-squashed mount?): game records could not be saved." >&2
            exit 1
        fi
    fi
    exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
fi

if [ -n "$sgf_dir" ] && [ ! -w "$sgf_dir" ]; then
    echo "ogsbot: $sgf_dir is not writable by uid $(id -u), so game records could not be" \
        "saved. Make the host folder writable for that uid (chown $(id -u) <folder>)," \
        "or start the container without --user: it then fixes the folder itself." >&2
    exit 1
fi
exec "$@"
