/** The whole market as `npm start` runs it (`datagora start`), for the browser suites, on this jest worker's ports. */
import { workerPort } from './market';
import { runCli, type CliRun } from './processes';

/** Base ports; each is offset by the jest worker's id (key nodes take ten apiece). */
export interface StackPorts {
  web: number;
  anvil: number;
  ipfs: number;
  keyNodes: number;
  provider: number;
  indexer: number;
}

/** The environment of a stack whose state lives in `home`, with the embedded database. */
export function stackEnv(home: string, ports: StackPorts): Record<string, string> {
  return {
    DATAGORA_HOME: home,
    DATAGORA_ANVIL_PORT: String(workerPort(ports.anvil)),
    DATAGORA_PORT: String(workerPort(ports.web)),
    DATAGORA_IPFS_PORT: String(workerPort(ports.ipfs)),
    DATAGORA_KEYNODE_PORT: String(ports.keyNodes + 10 * Number(process.env.JEST_WORKER_ID ?? '1')),
    DATAGORA_PROVIDER_PORT: String(workerPort(ports.provider)),
    DATAGORA_INDEXER_PORT: String(workerPort(ports.indexer)),
    DATABASE_URL: '',
  };
}

/** Runs `datagora start` and resolves once the market is running (a build included: minutes). */
export async function startStack(env: Record<string, string>): Promise<CliRun> {
  const stack = runCli(['start'], env);
  try {
    await stack.waitFor(/Datagora is running on/, 540_000);
  } catch (error) {
    // The caller never gets the stack to stop: a start that timed out would leave its services on the test's ports.
    await stopStack(stack);
    throw error;
  }
  return stack;
}

/** Stops a stack as Ctrl-C does, and waits for it. */
export async function stopStack(stack: CliRun | undefined): Promise<void> {
  if (!stack || stack.child.exitCode !== null) return;
  stack.child.kill('SIGINT');
  await stack.exit;
}
