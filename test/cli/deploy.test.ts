/**
 * `datagora deploy` against an EVM node it did not start (a separate anvil standing in for a testnet),
 * then `datagora health` pointed at the written deployments, as a user following the README would.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AnvilChain, connectPublic, devAccount, readDeployments } from '@/lib/chain';
import { contractsOf } from '@/lib/contracts';
import { runCli } from '../helpers/processes';
import { workerPort } from '../helpers/market';

// anvil's first public dev key: a test-only key for a throwaway local chain.
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

describe('datagora deploy', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-deploy-'));
  const chain = new AnvilChain({ host: '127.0.0.1', port: workerPort(8640), chainId: 1337 });
  const other = new AnvilChain({ host: '127.0.0.1', port: workerPort(8660) });
  const out = path.join(dir, 'deployments.json');

  beforeAll(async () => {
    await Promise.all([chain.start(), other.start()]);
  });
  afterAll(async () => {
    await Promise.all([chain.stop(), other.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys to a given RPC with a key from a named variable and never prints the key', async () => {
    const run = runCli(
      ['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'TESTNET_DEPLOYER_KEY', '--mock-stablecoin', '--fee-bps', '300', '--out', out],
      { TESTNET_DEPLOYER_KEY: DEV_KEY },
    );
    expect(await run.exit).toBe(0);
    expect(run.output()).not.toContain(DEV_KEY.slice(2));
    expect(run.output()).toContain(`deployments written to ${out}`);

    const deployments = readDeployments(out);
    expect(deployments.chainId).toBe(1337);
    expect(deployments.feeBps).toBe(300);
    expect(deployments.deployer).toBe(devAccount(0).address);
    expect(deployments.stablecoin).toMatchObject({ symbol: 'dUSD', decimals: 6, mock: true });
    const client = await connectPublic(chain.rpcUrl, 1337);
    const { registry, marketplace } = contractsOf(deployments);
    expect(await client.readContract({ ...marketplace, functionName: 'feeBps' })).toBe(300);
    expect(await client.readContract({ ...marketplace, functionName: 'computeMarket' })).toBe(deployments.contracts.computeMarket);
    expect(
      await client.readContract({ ...registry, functionName: 'isCurrencyAllowed', args: [deployments.stablecoin.address] }),
    ).toBe(true);
  });

  it('lets the app and CLI use those deployments through the rpc adapter', async () => {
    // No IPFS node or key nodes run beside this chain: health says so per component, naming where it looked.
    const run = runCli(['health', '--json'], { DATAGORA_CHAIN: 'rpc', DATAGORA_RPC_URL: chain.rpcUrl, DATAGORA_DEPLOYMENTS: out, DATAGORA_IPFS_PORT: '9', DATAGORA_KEYNODE_PORT: '9' });
    expect(await run.exit).toBe(1);
    const health = JSON.parse(run.output()) as { status: string; components: Record<string, { status: string; details: Record<string, unknown> }> };
    expect(health.status).toBe('error');
    expect(health.components.chain!.details).toMatchObject({ adapter: 'rpc', chainId: 1337 });
    expect(health.components.contracts!.status).toBe('ok');
    expect(health.components.storage).toMatchObject({ status: 'error', details: { error: expect.stringContaining('127.0.0.1:9') } });
    expect(health.components.keynode0).toMatchObject({ status: 'error', details: { error: expect.stringContaining('127.0.0.1:9') } });
  });

  it('reports the wrong chain when the RPC serves another chain than the deployments', async () => {
    const run = runCli(['health'], { DATAGORA_CHAIN: 'rpc', DATAGORA_RPC_URL: other.rpcUrl, DATAGORA_DEPLOYMENTS: out });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('the RPC serves chain 31337 but the deployments are for chain 1337');
  });

  it('rejects bad input with a usage error and deploys nothing', async () => {
    const before = readFileSync(out, 'utf8');
    const cases: [string[], Record<string, string>, string][] = [
      [['deploy', '--rpc-url', chain.rpcUrl], {}, 'deploy needs --rpc-url and --private-key-env'],
      [['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'MISSING_KEY_VAR', '--mock-stablecoin'], {}, 'MISSING_KEY_VAR must hold'],
      [['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'K', '--mock-stablecoin'], { K: 'not-a-key' }, 'K must hold'],
      [['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'K', '--mock-stablecoin', '--fee-bps', '5000'], { K: DEV_KEY }, '--fee-bps must be'],
      [['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'K'], { K: DEV_KEY }, 'choose the currency'],
      [['deploy', '--rpc-url', chain.rpcUrl, '--private-key-env', 'K', '--stablecoin', '0x1234'], { K: DEV_KEY }, '--stablecoin must be an address'],
      [['deploy', '--bogus'], {}, 'UsageError'],
    ];
    const nonceBefore = await (await connectPublic(chain.rpcUrl)).getTransactionCount({ address: devAccount(0).address });
    for (const [args, env, message] of cases) {
      const run = runCli([...args, '--out', out], env);
      expect(await run.exit).toBe(2);
      expect(run.output()).toContain(message);
    }
    expect(await (await connectPublic(chain.rpcUrl)).getTransactionCount({ address: devAccount(0).address })).toBe(nonceBefore);
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  it('fails fast with a clear error when nothing answers at the RPC URL', async () => {
    const run = runCli(['deploy', '--rpc-url', 'http://127.0.0.1:9', '--private-key-env', 'K', '--mock-stablecoin'], { K: DEV_KEY });
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('ChainUnreachableError: no EVM node answers at http://127.0.0.1:9');
  });
});
