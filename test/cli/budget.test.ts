/**
 * `datagora budget` as an owner and a buyer run it against the real services and an indexer serving its read API:
 * the owner sets a dataset's release budget, buyers' jobs spend it on-chain, and the report shows each buyer's ε
 * and bytes as the chain counts them; a stranger's change and bad limits are refused in one line.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseUnits, type Address } from 'viem';
import { devAccount } from '@/lib/chain';
import { contractsOf } from '@/lib/contracts';
import type { DatasetReleases } from '@/lib/indexer/api';
import { allowProviders, registerProvider } from '../contracts/fixture';
import { cliOnServices } from '../helpers/cli';
import { cpuEnvironment } from '../helpers/compute';
import { serveIndexer, type ServedIndexer } from '../helpers/indexer';
import { requestJobOnChain, settleJobOnChain } from '../helpers/jobs';

jest.setTimeout(300_000);

const OWNER = 1;
const BUYER = 2;
const BUYER_2 = 3;
const OPERATOR = 9;
const NODE_KEY = 8;

describe('datagora budget', () => {
  const bed = cliOnServices();
  let served: ServedIndexer;
  const cli = (args: string[]) => bed.cli(args, { DATAGORA_INDEXER_URL: served.server.url });

  beforeAll(async () => {
    served = await serveIndexer(bed.services.config, 'pglite');
  });
  afterAll(() => served?.stop());

  it('sets a dataset’s budget as its owner, and reports what each buyer’s jobs spent and released', async () => {
    const { services } = bed;
    const file = path.join(services.home, 'wards.csv');
    writeFileSync(file, 'ward,beds\nA,12\nB,9\n');
    const owner = await services.market(OWNER);
    const { datasetId } = await owner.publish(file, { title: 'Ward beds' }, { preset: 'compute-only' }, { download: 0n, compute: parseUnits('1', 6) });
    const providerId = await registerProvider(services.chain, OPERATOR, devAccount(NODE_KEY), [cpuEnvironment(parseUnits('0.01', 6))], 'http://127.0.0.1:1');
    await allowProviders(services.chain, OWNER, datasetId, [providerId]);
    const id = datasetId.toString();
    await served.indexer.catchUp();
    // Compute-only data runs templates: nothing limits its jobs until the owner says.
    expect((await cli(['budget', id])).output).toMatch(/release budget never set: nothing is limited\n\s+ε per buyer\s+no limit\n/);

    const set = await cli(['budget', 'set', id, '--epsilon', '3', '--epsilon-per-buyer', '2', '--max-release-kb', '4', '--account', String(OWNER)]);
    expect(set.code).toBe(0);
    expect(set.output).toMatch(/ε per buyer\s+2\n\s+ε in all\s+3\n\s+Bytes per job\s+4 kB\n\s+Bytes per buyer\s+no limit/);
    const { publicClient, deployments } = services.chain;
    const computeMarket = contractsOf(deployments).computeMarket;
    expect(await publicClient.readContract({ ...computeMarket, functionName: 'releaseBudget', args: [datasetId] })).toEqual({ epsilonTotal: 3_000_000n, epsilonPerBuyer: 2_000_000n, bytesPerJob: 4_096n, bytesPerBuyer: 0n });

    // One job delivered 1.5 kB under ε 1.5; another buyer's job is still open and holds its reservation.
    const delivered = await requestJobOnChain(services.chain, BUYER, { datasetId, providerId, maxMinutes: 5, epsilon: 1_500_000n });
    await settleJobOnChain(services.chain, NODE_KEY, delivered, { minutesUsed: 1, delivered: true, releasedBytes: 1_536n });
    await requestJobOnChain(services.chain, BUYER_2, { datasetId, providerId, maxMinutes: 5, epsilon: 500_000n, releaseBytes: 2_048n });
    await served.indexer.catchUp();

    const report = await cli(['budget', id]);
    expect(report.code).toBe(0);
    expect(report.output).toContain(`Dataset ${id}: release budget set `);
    expect(report.output).toMatch(/ε per buyer\s+2\n/);
    expect(report.output).toContain('Released: ε 1.5 spent, 1.5 kB by 2 jobs of 2 buyers');
    expect(report.output).toContain('open jobs reserve ε 0.5 and 2 kB more');
    expect(report.output).toMatch(new RegExp(`${devAccount(BUYER).address}\\s+1\\s+1\\s+1\\.5\\s+1\\.5 kB`));
    expect(report.output).toMatch(new RegExp(`${devAccount(BUYER_2).address}\\s+1\\s+0\\s+0\\s+0 B`));

    // --json: each buyer's spend and reservation add up to the chain's own counters.
    const json = JSON.parse((await cli(['budget', id, '--json'])).output) as DatasetReleases;
    expect(json.budget).toMatchObject({ epsilonTotal: '3000000', epsilonPerBuyer: '2000000', bytesPerJob: '4096', bytesPerBuyer: '0' });
    for (const row of json.buyers) {
      const [epsilonTotal, spent] = await publicClient.readContract({ ...computeMarket, functionName: 'releaseSpent', args: [datasetId, row.buyer as Address] });
      expect(epsilonTotal).toBe(BigInt(json.totals.epsilon) + BigInt(json.totals.reserved.epsilon));
      expect(spent).toEqual({ epsilon: BigInt(row.epsilon) + BigInt(row.reserved.epsilon), released: BigInt(row.releasedBytes) + BigInt(row.reserved.bytes) });
    }
  });

  it.each([
    ['a stranger changing the budget', ['budget', 'set', '1', '--epsilon', '1', '--account', String(BUYER)], /^TransactionRejectedError: cannot set the release budget of dataset 1: 0x\w+ does not own dataset 1/],
    ['a negative ε', ['budget', 'set', '1', '--epsilon=-1'], /^UsageError: --epsilon must be a positive number of ε/],
    ['limits without set', ['budget', '1', '--epsilon', '1'], /^UsageError: usage: datagora budget <datasetId>/],
    ['a dataset the indexer does not know', ['budget', '999'], /^QueryError: datasetId: no dataset 999 is indexed/],
  ])('exits non-zero with a one-line reason for %s', async (_label, args, reason) => {
    const { code, output } = await cli(args);
    expect(code).not.toBe(0);
    expect(output.split('\n')[0]).toMatch(reason);
  });
});
