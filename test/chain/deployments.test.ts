import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeploymentsError, readDeployments, writeDeployments, type Deployments } from '@/lib/chain';

const valid: Deployments = {
  chainId: 84532,
  startBlock: 1234,
  deployer: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  deployedAt: '2026-11-23T12:00:00.000Z',
  feeBps: 250,
  contracts: {
    datasetRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    marketplace: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    computeMarket: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
  },
  stablecoin: { address: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9', symbol: 'USDC', decimals: 6, mock: false },
};

describe('deployments file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-deployments-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips and checksums addresses', () => {
    const file = path.join(dir, 'nested', 'ok.json');
    writeDeployments(file, { ...valid, contracts: { ...valid.contracts, marketplace: valid.contracts.marketplace.toLowerCase() as `0x${string}` } });
    expect(readDeployments(file)).toEqual(valid);
  });

  it.each([
    ['missing', undefined, 'cannot be read'],
    ['garbage', '{not json', 'is not JSON'],
    ['bad address', JSON.stringify({ ...valid, contracts: { ...valid.contracts, marketplace: '0x1234' } }), 'contracts.marketplace not an address'],
    ['no chain id', JSON.stringify({ ...valid, chainId: undefined }), 'chainId'],
  ])('rejects a %s file with a DeploymentsError', (name, content, message) => {
    const file = path.join(dir, `${name}.json`);
    if (content !== undefined) writeFileSync(file, content);
    expect(() => readDeployments(file)).toThrow(DeploymentsError);
    expect(() => readDeployments(file)).toThrow(message);
    if (content !== undefined) expect(readFileSync(file, 'utf8')).toBe(content);
  });
});
