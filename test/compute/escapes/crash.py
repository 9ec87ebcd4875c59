"""Ends as asked: `exit N` exits with N, `abort` dies of SIGABRT, `sleep S` sleeps."""
import os
import sys
import time

if sys.argv[1] == 'exit':
    print('exiting with', sys.argv[2])
    sys.exit(int(sys.argv[2]))
if sys.argv[1] == 'abort':
    print('aborting', flush=True)
    os.abort()
if sys.argv[1] == 'sleep':
    time.sleep(float(sys.argv[2]))
