"""Runs a command in a real pseudo-terminal and presses Ctrl+C in it, as a user at a terminal does: the terminal sends
SIGINT to its whole foreground process group (the CLI, its worker, the worker's Python).

argv[1]: the command, JSON list; argv[2]: Ctrl+C presses; argv[3]: a regular expression that must appear in the
output before the first press (e.g. a progress line); argv[4]: one after which the next press comes.
stdout: {"code": exit code (or -signal), "output": what the terminal showed}
"""
import json
import os
import pty
import re
import select
import sys
import time

cmd = json.loads(sys.argv[1])
presses = int(sys.argv[2])
first = re.compile(sys.argv[3].encode())
again = re.compile(sys.argv[4].encode())

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)

out = b""
sent = 0
mark = 0
deadline = time.time() + 240
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every process holding the terminal is gone
            break
        if not chunk:
            break
        out += chunk
    if sent < presses and (first if sent == 0 else again).search(out, mark):
        os.write(fd, b"\x03")
        sent += 1
        mark = len(out)
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
print(json.dumps({"code": code, "output": out.decode("utf-8", "replace"), "presses": sent}))
