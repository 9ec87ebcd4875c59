"""Leaves a setsid'd, double-forked daemon behind that tries to outlive the job. Usage: daemon.py TOKEN SECONDS.
The daemon runs `sleep`-like Python with TOKEN in its command line so the host can look for it."""
import os
import sys
import time

token, linger = sys.argv[1], float(sys.argv[2])
ready_r, ready_w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.close(ready_r)
    devnull = os.open('/dev/null', os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.write(ready_w, b'up')
    os.close(ready_w)
    os.execv('/usr/bin/python3', ['/usr/bin/python3', '-c', 'import time\nwhile True: time.sleep(1)', token])
os.close(ready_w)
os.wait()
assert os.read(ready_r, 2) == b'up'
with open('/data/outputs/daemon-started', 'w') as marker:
    marker.write('yes')
time.sleep(linger)
