"""Forks sleeping children until fork fails; records how many it got. Usage: forks.py MAX."""
import json
import os
import sys
import time

count = 0
errno = None
while count < int(sys.argv[1]):
    try:
        pid = os.fork()
    except OSError as error:
        errno = error.errno
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    count += 1
with open('/data/outputs/forks.json', 'w') as out:
    json.dump({'forks': count, 'errno': errno}, out)
