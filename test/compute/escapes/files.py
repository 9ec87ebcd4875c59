"""Tries to read host files outside its binds and to change its read-only inputs.
Usage: files.py PATH... (paths to read). Writes what it saw to /data/outputs/files.json."""
import json
import os
import sys

seen = {'read': {}, 'write': {}}

for target in sys.argv[1:]:
    entry = {'exists': os.path.lexists(target)}
    try:
        if os.path.isdir(target):
            entry['listing'] = sorted(os.listdir(target))
        else:
            with open(target, 'rb') as handle:
                entry['content'] = handle.read(200).decode('utf-8', 'replace')
    except OSError as error:
        entry['error'] = error.strerror
    seen['read'][target] = entry

first = next(os.path.join('/data/inputs', name) for name in sorted(os.listdir('/data/inputs')) if os.path.isfile(os.path.join('/data/inputs', name)))


def attempt(label, action):
    try:
        action()
        seen['write'][label] = 'succeeded'
    except OSError as error:
        seen['write'][label] = error.strerror


attempt('create in inputs', lambda: open('/data/inputs/planted', 'w').write('x'))
attempt('append to an input', lambda: open(first, 'a').write('tampered'))
attempt('delete an input', lambda: os.remove(first))
attempt('chmod an input', lambda: os.chmod(first, 0o777))
attempt('write to /usr', lambda: open('/usr/planted', 'w').write('x'))
attempt('write to the algorithm', lambda: open(os.path.join('/data/transformations', os.listdir('/data/transformations')[0]), 'a').write('x'))
seen['write']['mount'] = 'succeeded' if os.system('mount -t tmpfs none /tmp 2>/dev/null') == 0 else 'refused'
seen['userns'] = 'created' if os.system('unshare --user --map-root-user true 2>/dev/null') == 0 else 'refused'
seen['uid'] = os.getuid()
seen['fds'] = sorted(int(fd) for fd in os.listdir('/proc/self/fd'))  # includes the one listing it
seen['etc'] = sorted(os.listdir('/etc'))
seen['environ'] = dict(os.environ)
with open('/proc/self/status') as status:
    seen['caps'] = [line.split()[1] for line in status if line.startswith('Cap')]

with open('/data/outputs/files.json', 'w') as out:
    json.dump(seen, out)
