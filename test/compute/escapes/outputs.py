"""Fills /data/outputs: a sparse file larger than the cap, then several files of real bytes, each until a write
fails, as a program that ignores errors would. Usage: outputs.py CAP_BYTES."""
import os
import signal
import sys

cap = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # see write errors rather than die of the file size limit
try:
    with open('/data/outputs/sparse', 'wb') as sparse:
        sparse.truncate(3 * cap)
except OSError as error:
    print('sparse file refused:', error.strerror)
chunk = os.urandom(1 << 20)
for index in range(8):
    written = 0
    try:
        with open('/data/outputs/big%d' % index, 'wb') as big:
            while written < 2 * cap:
                big.write(chunk)
                big.flush()
                written += len(chunk)
    except OSError as error:
        print('big%d stopped after' % index, written, 'bytes:', error.strerror)
