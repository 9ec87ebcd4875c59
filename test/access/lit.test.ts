/**
 * The real Lit adapter can only work online; offline it must fail fast with a typed error instead of hanging
 * the app, and it must refuse a chain Lit's nodes cannot read.
 *
 * Lit's SDK requires ES modules from CommonJS, which Node 20 allows but jest's module loader does not, so the
 * connection attempt runs in a child Node process (through tsx), as the CLI and the app would run it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openKeyNetwork, LitChainUnsupportedError } from '@/lib/access';
import { loadConfig } from '@/lib/config';
import type { Deployments } from '@/lib/chain';

const ROOT = path.resolve(__dirname, '..', '..');

/** A market on Base Sepolia (a chain Lit lists); the addresses are never called. */
const deployments: Deployments = {
  chainId: 84532,
  startBlock: 1,
  deployer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  deployedAt: '2026-01-01T00:00:00.000Z',
  feeBps: 250,
  contracts: {
    datasetRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    marketplace: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    computeMarket: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  },
  stablecoin: { address: '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9', symbol: 'USDC', decimals: 6, mock: false },
};

const env = { DATAGORA_KEY_NETWORK: 'lit', DATAGORA_LIT_NETWORK: 'datil-dev' };

/** Opens the Lit key network in a fresh Node process; reports the error and how long the attempt took. */
function openInChildProcess(): { name: string; message: string; ms: number } {
  const script = `
    const { openKeyNetwork } = require(${JSON.stringify(path.join(ROOT, 'lib', 'access'))});
    const { loadConfig } = require(${JSON.stringify(path.join(ROOT, 'lib', 'config'))});
    (async () => {
      await import('@lit-protocol/lit-node-client'); // the SDK's import (seconds) is not the connection
      const started = Date.now();
      try {
        await openKeyNetwork(loadConfig(), ${JSON.stringify(deployments)});
        console.log(JSON.stringify({ name: 'connected', message: '', ms: Date.now() - started }));
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, message: error.message, ms: Date.now() - started }));
      }
      process.exit(0);
    })();`;
  const child = spawnSync(process.execPath, [require.resolve('tsx/cli'), '--eval', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = child.stdout.split('\n').find((text) => text.startsWith('{'));
  if (!line) throw new Error(`no result from the child process (status ${child.status}):\n${child.stderr}`);
  return JSON.parse(line) as { name: string; message: string; ms: number };
}

describe('the Lit adapter', () => {
  it('fails fast with LitNetworkUnreachableError when the Lit network cannot be reached', () => {
    const result = openInChildProcess();
    expect(result).toMatchObject({ name: 'LitNetworkUnreachableError', message: 'the Lit network datil-dev is unreachable' });
    expect(result.ms).toBeLessThan(6_000); // bounded by the 5 s connect timeout
  });

  it('refuses a chain Lit does not list, such as the local anvil chain', async () => {
    await expect(openKeyNetwork(loadConfig(env), { ...deployments, chainId: 31337 })).rejects.toBeInstanceOf(LitChainUnsupportedError);
  });
});
