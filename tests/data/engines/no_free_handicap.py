"""randomgo without `place_free_handicap` in its command list (an engine that cannot choose
free handicap stones): a GTP filter between the bot and the packaged randomgo."""

import subprocess
import sys

HIDDEN = "place_free_handicap"

engine = subprocess.Popen(
    [sys.executable, "-m", "ogsbot.engines.randomgo", *sys.argv[1:]],
    stdin=subprocess.PIPE,
    stdout=subprocess.PIPE,
    text=True,
    bufsize=1,
)
assert engine.stdin is not None and engine.stdout is not None
for line in sys.stdin:
    words = line.split()
    ident = ""
    if words and words[0].isdigit():
        ident, words = words[0], words[1:]
    if words[:1] == [HIDDEN]:
        sys.stdout.write(f"?{ident} unknown command\n\n")
        sys.stdout.flush()
        continue
    engine.stdin.write(line)
    engine.stdin.flush()
    reply = []
    while True:
        answer = engine.stdout.readline()
        if not answer or answer == "\n":
            break
        reply.append(answer)
    if words[:1] == ["list_commands"]:
        reply = [r for r in reply if r.strip() != HIDDEN]
    if words[:1] == ["known_command"] and words[1:2] == [HIDDEN]:
        reply = [r.replace("true", "false") for r in reply]
    sys.stdout.write("".join(reply) + "\n")
    sys.stdout.flush()
    if words[:1] == ["quit"] or not reply:
        break
