/** algorithm.log, the algorithm's stdout and stderr, kept within the job's log budget. */
import { closeSync, constants as fsConstants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** Appended to algorithm.log when the log budget ran out. */
export const LOG_TRUNCATED_MARKER = '\n[datagora: log truncated: the log limit was reached]\n';

/** algorithm.log: stdout and stderr in arrival order, within the log budget, with a marker when cut. */
export class AlgorithmLog {
  private readonly fd: number;
  private written = 0;
  truncated = false;

  constructor(
    file: string,
    private readonly budget: number,
  ) {
    this.fd = openSync(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW, 0o644);
  }

  write(chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.budget - LOG_TRUNCATED_MARKER.length - this.written;
    const piece = chunk.byteLength > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
    try {
      for (let offset = 0; offset < piece.byteLength; ) offset += writeSync(this.fd, piece, offset);
      this.written += piece.byteLength;
    } catch {
      this.truncated = true; // ENOSPC: the algorithm's own files filled /data/logs
      return;
    }
    if (piece !== chunk) this.truncated = true;
  }

  /** Appends the marker if the log was cut, making room for it at the end of the file if the area is full. */
  close(): void {
    try {
      if (this.truncated) {
        const marker = Buffer.from(LOG_TRUNCATED_MARKER);
        try {
          writeSync(this.fd, marker);
        } catch {
          const size = fstatSync(this.fd).size;
          if (size >= marker.byteLength) {
            ftruncateSync(this.fd, size - marker.byteLength);
            writeSync(this.fd, marker, 0, marker.byteLength, size - marker.byteLength);
          }
        }
      }
    } catch {
      // best effort: the log is informational
    } finally {
      closeSync(this.fd);
    }
  }
}
