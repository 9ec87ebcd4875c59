/** Progress bars on stderr for long work; silent when stderr is not a terminal (pipes, CI, --json). */

const WIDTH = 28;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A progress callback that redraws one stderr line at most 10 times a second, and a `done()` to end it. */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): { update(bytes: number, total: number): void; done(): void } {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const draw = (bytes: number, total: number) => {
    const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = `${(bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${megabytes(bytes)}/${megabytes(total)} ${rate}  `);
    drawn = true;
  };
  return {
    update(bytes, total) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && bytes < total) return;
      last = now;
      draw(bytes, total);
    },
    done() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
