"""Leaves outputs that would make the node read host files or copy one file many times: symbolic links to
host paths, a hard-linked file, a named pipe. Usage: links.py SECRET_PATH."""
import os
import sys

os.symlink('/etc/shadow', '/data/outputs/shadow')
os.symlink(sys.argv[1], '/data/outputs/secret')
os.symlink('/', '/data/outputs/root')
with open('/data/outputs/one', 'wb') as one:
    one.write(os.urandom(1 << 20))
for i in range(20):
    os.link('/data/outputs/one', '/data/outputs/copy%02d' % i)
os.mkfifo('/data/outputs/pipe')
os.makedirs('/data/outputs/nested/deeper')
with open('/data/outputs/nested/deeper/kept.txt', 'w') as kept:
    kept.write('kept')
os.symlink('/data/outputs/one', '/data/logs/log-link')
