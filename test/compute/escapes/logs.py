"""Prints far more than the log limit, on stdout and stderr. Usage: logs.py BYTES."""
import sys

total = int(sys.argv[1])
line = 'x' * 1023 + '\n'
for i in range(total // 1024):
    (sys.stdout if i % 2 else sys.stderr).write(line)
print('done')
