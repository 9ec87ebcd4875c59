/** Progress bars on stderr for long work; silent when stderr is not a terminal (pipes, CI, --json). */
import { formatBytes } from '../units';

const WIDTH = 28;

/** One redraw of the bar: `bytes` of `total` done in `seconds`. */
export function progressLine(label: string, bytes: number, total: number, seconds: number): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(fraction * WIDTH);
  const rate = `${formatBytes(bytes / Math.max(0.001, seconds))}/s`;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${formatBytes(bytes)}/${formatBytes(total)} ${rate}`;
}

/** A progress callback that redraws one stderr line at most 10 times a second, and a `done()` to end it. */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): { update(bytes: number, total: number): void; done(): void } {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const draw = (bytes: number, total: number) => {
    // Erase to the end of the line: the figures change width as their units do.
    process.stderr.write(`\r${progressLine(label, bytes, total, (Date.now() - started) / 1000)}\x1b[K`);
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
