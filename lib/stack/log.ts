/** Prefixed, coloured log lines for the processes of the market's tree. */
const COLOURS = [36, 35, 33, 32, 34, 31];
const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
let next = 0;
const width = 6;

export type Logger = (line: string) => void;

/** A logger whose lines start with `[name]`, padded so columns line up. */
export function prefixedLogger(name: string, stream: NodeJS.WritableStream = process.stdout): Logger {
  const colour = COLOURS[next++ % COLOURS.length];
  const label = `[${name}]`.padEnd(width + 2);
  const prefix = useColour ? `\x1b[${colour}m${label}\x1b[0m` : label;
  return (line) => stream.write(`${prefix} ${line}\n`);
}

/** Splits a child's output stream into lines and hands each to `log`. */
export function pipeLines(stream: NodeJS.ReadableStream, log: Logger): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) log(line.trimEnd());
  });
  stream.on('end', () => {
    if (buffer.trim()) log(buffer.trimEnd());
  });
}

/**
 * Passes lines through to `log`, and speaks up when they stop for `quietMs`: `say(seconds since the start,
 * the last line passed)` then, and again every `quietMs` while nothing else is said. `stop()` ends it.
 */
export function heartbeat(log: Logger, quietMs: number, say: (seconds: number, lastLine: string | undefined) => string): { log: Logger; stop(): void } {
  const started = Date.now();
  let spokeAt = started;
  let lastLine: string | undefined;
  const timer = setInterval(() => {
    if (Date.now() - spokeAt < quietMs) return;
    spokeAt = Date.now();
    log(say(Math.round((spokeAt - started) / 1000), lastLine));
  }, Math.min(quietMs, 1_000));
  timer.unref();
  return {
    log: (line) => {
      spokeAt = Date.now();
      lastLine = line.trim();
      log(line);
    },
    stop: () => clearInterval(timer),
  };
}
