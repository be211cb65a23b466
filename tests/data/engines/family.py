"""A GTP engine with a child process that shares its pipes, and ways to misbehave.

At start the engine spawns a child that inherits stdin, stdout and stderr and sleeps (an
engine's helper process, a wrapper script's real engine). Commands besides the usual
(answered with an empty success):
  child_pid   the child's process id
  crash       the engine exits with code 3 without replying (the child lives on)
  hang        never reply
  babble      a reply that does not end: '=id', 10 MB of lines, then silence
  long_line <n>  a reply of one line of n characters
  garbage     output that is not GTP
  stderr_line <n>  one stderr line of n characters, then 'last words', then an empty reply
Flags: --ignore-sigterm (engine and child ignore SIGTERM), --stay-after-quit.
"""

import os
import signal
import subprocess
import sys
import time

ignore_sigterm = "--ignore-sigterm" in sys.argv
stay_after_quit = "--stay-after-quit" in sys.argv
if ignore_sigterm:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child_code = "import signal, time\n"
if ignore_sigterm:
    child_code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
child_code += "time.sleep(3600)\n"
child = subprocess.Popen([sys.executable, "-c", child_code])


def reply(ident: str, text: str = "") -> None:
    sys.stdout.write(f"={ident} {text}\n\n")
    sys.stdout.flush()


for raw in sys.stdin:
    words = raw.split()
    if not words:
        continue
    ident = words.pop(0) if words[0].isdigit() else ""
    verb = words[0] if words else ""
    if verb == "child_pid":
        reply(ident, str(child.pid))
    elif verb == "crash":
        os._exit(3)
    elif verb == "hang":
        time.sleep(3600)
    elif verb == "babble":
        sys.stdout.write(f"={ident} start\n")
        for _ in range(100_000):
            sys.stdout.write("x" * 99 + "\n")
        sys.stdout.flush()
        time.sleep(3600)
    elif verb == "long_line":
        reply(ident, "z" * int(words[1]))
    elif verb == "garbage":
        sys.stdout.write("this is not GTP\n\n")
        sys.stdout.flush()
    elif verb == "stderr_line":
        sys.stderr.write("y" * int(words[1]) + "\nlast words\n")
        sys.stderr.flush()
        reply(ident)
    else:
        reply(ident)
        if verb == "quit" and not stay_after_quit:
            break
