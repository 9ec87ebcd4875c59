/** Child processes of the market's tree: each in its own process group, its output prefixed line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { pipeLines, type Logger } from './log';

/** Runs a Node script as a child in its own process group (so stopping reaches every worker it starts). */
export function spawnNode(script: string, args: string[], root: string, env: NodeJS.ProcessEnv, log: Logger): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(child.stdout!, log);
  pipeLines(child.stderr!, log);
  return child;
}
