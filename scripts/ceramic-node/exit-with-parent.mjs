// Loaded with `node --import` into the children of start.mjs. Their stdin is a pipe from start.mjs: when it
// closes, start.mjs is gone (even by SIGKILL), so the child shuts down as on Ctrl-C instead of living on.
const GRACE_MS = 5_000;

process.stdin.on('data', () => {});
process.stdin.once('end', () => {
  setTimeout(() => process.exit(1), GRACE_MS).unref();
  process.kill(process.pid, 'SIGINT');
});
