"""Forks without end, every child forking too, until the wall limit. The process limit must hold it."""
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
