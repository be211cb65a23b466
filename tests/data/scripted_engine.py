"""A GTP peer whose replies are scripted, to test framing the real engines never exercise.

Usage: scripted_engine.py '<json>' where the JSON maps a command verb to a raw reply
template ({id} is the command's id, or empty). Unscripted verbs get '=<id> \\n\\n'.
`quit` replies and exits; a template of null means "never reply". Flags: _ignore_sigterm,
_stay_after_quit.
"""

import json
import signal
import sys
import time

script = json.loads(sys.argv[1])
if script.pop("_ignore_sigterm", False):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
stay_after_quit = script.pop("_stay_after_quit", False)
for raw in sys.stdin:
    line = raw.strip()
    if not line:
        continue
    parts = line.split()
    ident = parts[0] if parts[0].isdigit() else ""
    words = parts[1:] if ident else parts
    verb = words[0] if words else ""
    if verb in script:
        template = script[verb]
        if template is None:
            time.sleep(3600)
        sys.stdout.write(template.replace("{id}", ident).replace("{args}", " ".join(words[1:])))
    else:
        sys.stdout.write(f"={ident} \n\n")
    sys.stdout.flush()
    if verb == "quit" and not stay_after_quit:
        break
