/**
 * `datagora start` (what `npm start` runs) as a user runs it: the whole market comes up with a green
 * /api/health and the demo datasets, the CLI publishes, sells and downloads through it, it keeps its state
 * across restarts, tells a second start where it runs, names a taken port and its variable, and leaves no process
 * behind after SIGINT.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contractsOf } from '@/lib/contracts';
import { erc20Abi } from 'viem';
import { connectPublic, devAccount, readDeployments, walletFor } from '@/lib/chain';
import { processesWith, runCli, type CliRun } from '../helpers/processes';
import { workerPort } from '../helpers/market';

const BUILD_AND_START_MS = 540_000;

/** `attempt()`'s first answer other than undefined, asked every 200 ms for up to 20 s. */
async function eventually<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('what the test waited for did not happen within 20 s');
}
jest.setTimeout(900_000);

describe('datagora start', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-stack-'));
  const anvilPort = workerPort(8620);
  const webPort = workerPort(3200);
  const ipfsPort = workerPort(5200);
  const keyPort = 7600 + 10 * Number(process.env.JEST_WORKER_ID ?? '1');
  const providerPort = workerPort(7700);
  const indexerPort = workerPort(7800);
  const env = {
    DATAGORA_HOME: home,
    DATAGORA_ANVIL_PORT: String(anvilPort),
    DATAGORA_PORT: String(webPort),
    DATAGORA_IPFS_PORT: String(ipfsPort),
    DATAGORA_KEYNODE_PORT: String(keyPort),
    DATAGORA_PROVIDER_PORT: String(providerPort),
    DATAGORA_INDEXER_PORT: String(indexerPort),
    // The stack's own embedded database, even when DATABASE_URL points the indexer suites at a Postgres.
    DATABASE_URL: '',
  };
  const url = `http://127.0.0.1:${webPort}`;
  let stack: CliRun | undefined;

  afterAll(async () => {
    if (stack && stack.child.exitCode === null) {
      stack.child.kill('SIGINT');
      await stack.exit;
    }
    rmSync(home, { recursive: true, force: true });
  });

  async function startStack(): Promise<CliRun> {
    const run = runCli(['start'], env);
    await run.waitFor(/Datagora is running on/, BUILD_AND_START_MS);
    return run;
  }

  /** The indexer follows the chain within a poll: waits until it has the head. */
  async function waitForIndexer(): Promise<void> {
    const client = await connectPublic(`http://127.0.0.1:${anvilPort}`);
    const head = Number(await client.getBlockNumber());
    for (let i = 0; i < 100; i++) {
      const status = (await (await fetch(`http://127.0.0.1:${indexerPort}/health`)).json()) as { lastBlock: number };
      if (status.lastBlock >= head) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the indexer did not reach block ${head}`);
  }

  async function stopStack(run: CliRun): Promise<void> {
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/\[stack\]\s+stopped/);
    expect(processesWith('environ', `DATAGORA_HOME=${home}`)).toEqual([]);
  }

  it('starts the market with a green health report, prefixed logs and the app', async () => {
    stack = await startStack();
    const output = stack.output();
    expect(output).toMatch(/\[chain\]\s+starting anvil/);
    expect(output).toMatch(/\[deploy\]\s+fresh chain: deploying the market/);
    expect(output).toMatch(/\[ipfs\]/);
    expect(output).toMatch(/\[key0\]/);
    expect(output).toMatch(/\[demo\]\s+demo dataset 6:/);
    expect(output).toMatch(/\[demo\]\s+demo model 7: .* derived from dataset 3 through job 1/);
    // Two provider nodes, each named in the logs; each hospital allows only its own.
    expect(output).toContain(`[provider] dev account 9’s node on http://127.0.0.1:${providerPort}`);
    expect(output).toMatch(/\[provider\]\s+registered provider 1 \(node 0x[0-9a-fA-F]{40}, operator 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720\)/);
    expect(output).toContain(`[provider2] dev account 8’s node on http://127.0.0.1:${providerPort + 1}`);
    expect(output).toMatch(/\[provider2\]\s+registered provider 2 \(node 0x[0-9a-fA-F]{40}, operator 0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f\)/);
    expect(output).toMatch(/\[demo\]\s+demo dataset 8: "ICU vitals, hospital A" \(compute-only\) by account 4, providers 1 allowed/);
    expect(output).toMatch(/\[demo\]\s+demo dataset 9: "ICU vitals, hospital B" \(compute-only\) by account 5, providers 2 allowed/);
    const second = (await (await fetch(`http://127.0.0.1:${providerPort + 1}/api/v1/health`)).json()) as { status: string; providerId: string };
    expect(second).toMatchObject({ status: 'ok', providerId: '2' });
    expect(output).toMatch(/\[web\]/);

    const response = await fetch(`${url}/api/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as {
      status: string;
      components: Record<string, { status: string; details: Record<string, unknown> }>;
    };
    const deployments = readDeployments(path.join(home, 'deployments.json'));
    expect(health.status).toBe('ok');
    expect(Object.keys(health.components).sort()).toEqual(['chain', 'contracts', 'indexer', 'keynode0', 'keynode1', 'keynode2', 'metadata', 'provider', 'provider2', 'storage', 'web']);
    for (const component of Object.values(health.components)) expect(component.status).toBe('ok');
    expect(health.components.provider2!.details).toMatchObject({ url: `http://127.0.0.1:${providerPort + 1}`, providerId: '2' });
    expect(health.components.storage!.details.adapter).toBe('helia');
    expect(health.components.keynode0!.details).toMatchObject({ index: 0, threshold: 2, nodes: 3, chainId: 31337 });
    expect(health.components.chain!.status).toBe('ok');
    expect(health.components.chain!.details.chainId).toBe(31337);
    expect(health.components.chain!.details.blockNumber).toBeGreaterThan(0);
    expect(health.components.contracts!.status).toBe('ok');
    expect(health.components.contracts!.details.addresses).toEqual({
      ...deployments.contracts,
      stablecoin: deployments.stablecoin.address,
    });
    expect(health.components.web!.status).toBe('ok');
    expect(health.components.indexer!.details).toMatchObject({ adapter: 'pglite', chainId: 31337, datasets: 9, pendingMetadata: 0 });
    expect(health.components.indexer!.details.lag).toBeLessThanOrEqual(2);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Datagora');
    expect(html).toContain('Hourly weather readings, 12 European stations (2026 H1)');

    // Once the indexer holds the chain's head, the page is rendered once for that state and then served as it went.
    const kept = await eventually(async () => {
      const again = await fetch(url);
      return again.headers.get('x-datagora-page') === 'kept' ? again.text() : undefined;
    });
    expect(kept).toContain('Hourly weather readings, 12 European stations (2026 H1)');
    // A visitor's own query is kept apart: it cannot change what the next visitor of the plain page is served.
    const hostile = await fetch(`${url}/?q=${encodeURIComponent('<script>alert(1)</script>\u0000')}&x=${'a'.repeat(2000)}`);
    expect(hostile.status).toBe(200);
    await hostile.text();
    const plain = await fetch(url);
    expect(plain.headers.get('x-datagora-page')).toBe('kept');
    expect(await plain.text()).toBe(kept);
    // A client-side navigation (the page's React payload) is Next's to answer every time.
    expect((await fetch(url, { headers: { rsc: '1' } })).headers.get('x-datagora-page')).toBeNull();
  });

  it('lets the CLI publish as account 1, sell to account 2 who downloads identical bytes, and refuse account 3', async () => {
    const cli = async (args: string[]) => {
      const run = runCli(args, env);
      return { code: await run.exit, output: run.output() };
    };
    const demo = await cli(['datasets', '--json']);
    expect(demo.code).toBe(0);
    expect((JSON.parse(demo.output) as unknown[]).length).toBe(9);

    const source = path.join(home, 'tides.csv');
    writeFileSync(source, 'station,height_m\nbrest,6.1\ncalais,7.2\n');
    const published = await cli(['publish', source, '--title', 'Tides', '--licence', 'commercial', '--price', '9.99', '--account', '1']);
    expect(published.code).toBe(0);
    const id = published.output.trim().split('\n').pop()!;
    expect(id).toBe('10');
    // No page kept before the listing hides it: the home page shows it once the indexer has it.
    await eventually(async () => ((await (await fetch(url)).text()).includes('Tides') ? true : undefined));
    expect((await cli(['buy', id, '--account', '2'])).code).toBe(0);
    const out = path.join(home, 'tides-bought.csv');
    expect((await cli(['download', id, '--out', out, '--account', '2'])).code).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(source));
    const refused = await cli(['download', id, '--out', path.join(home, 'tides-stolen.csv'), '--account', '3']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/^AccessDeniedError: .*may not decrypt/);

    // The gateway serves the (public) ciphertext with ranges and the CID as ETag — never the plaintext.
    const shown = await cli(['show', id, '--json']);
    const { cid, size } = (JSON.parse(shown.output) as { document: { content: { cid: string; size: number } } }).document.content;
    const whole = await fetch(`${url}/ipfs/${cid}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('etag')).toBe(`"${cid}"`);
    const ciphertext = Buffer.from(await whole.arrayBuffer());
    expect(ciphertext.length).toBe(size);
    expect(ciphertext.includes(Buffer.from('brest'))).toBe(false);
    const part = await fetch(`${url}/ipfs/${cid}`, { headers: { range: 'bytes=4-11' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(ciphertext.subarray(4, 12));
  });

  it('runs a compute job on the compute-only demo dataset with the provider npm start runs', async () => {
    const run = async (args: string[]) => {
      const child = runCli(args, env);
      return { code: await child.exit, output: child.output() };
    };
    const listed = JSON.parse((await run(['datasets', '--json'])).output) as { id: string; title: string; licence: string }[];
    const vitals = listed.find((d) => d.title.startsWith('Synthetic ICU patient vitals'))!;
    expect(vitals.licence).toBe('compute-only');
    const out = path.join(home, 'vitals-job');
    const job = await run(['compute', vitals.id, '--algorithm', path.join(__dirname, '..', '..', 'examples', 'algorithms', 'train_model.py'), '--params', '{"target":"alert"}', '--wait', '--out', out, '--account', '3']);
    expect(job.code).toBe(0);
    expect(job.output).toMatch(/receipt verified/);
    const metrics = JSON.parse(readFileSync(path.join(out, 'outputs', 'metrics.json'), 'utf8')) as { accuracy: number };
    expect(metrics.accuracy).toBeGreaterThan(0.6);
    expect((await run(['receipt', 'verify', path.join(out, 'receipt.json')])).code).toBe(0);
  });

  it('trains a model on the compute-only vitals, publishes it as their derivative, sells it and pays the vitals owner its royalty', async () => {
    const run = async (args: string[]) => {
      const child = runCli(args, env);
      return { code: await child.exit, output: child.output() };
    };
    const json = async <T>(args: string[]) => {
      const result = await run([...args, '--json']);
      expect(result.code).toBe(0);
      return JSON.parse(result.output.slice(result.output.search(/^[[{]/m))) as T;
    };
    const out = path.join(home, 'alert-model');
    const trained = await json<{ jobId: string; status: string }>(['compute', '3', '--template', 'train', '--params', '{"model":"logistic","target":"alert","features":["heart_rate","spo2","resp_rate"]}', '--wait', '--out', out, '--account', '3']);
    expect(trained.status).toBe('finished');
    const published = await run(['publish', path.join(out, 'outputs', 'result.json'), '--title', 'Alert model', '--derived-from-job', trained.jobId, '--licence', 'ai-training', '--price', '25', '--account', '3']);
    expect(published.code).toBe(0);
    expect(published.output).toMatch(new RegExp(`published model 11 derived from dataset 3 \\(job ${trained.jobId}\\)`));
    await waitForIndexer();
    const shown = await run(['show', '11']);
    expect(shown.output).toMatch(new RegExp(`parents\\s+#3 Synthetic ICU patient vitals \\(compute-only\\) \\[dataset\\]: 10 % of each sale, job ${trained.jobId}`));

    // The vitals' owner (account 4) is paid 10 % of the sale's net, to the unit, and withdraws it.
    const deployments = readDeployments(path.join(home, 'deployments.json'));
    const client = await connectPublic(`http://127.0.0.1:${anvilPort}`);
    const { marketplace } = contractsOf(deployments);
    const owner = devAccount(4).address;
    const withdrawable = () => client.readContract({ ...marketplace, functionName: 'withdrawable', args: [deployments.stablecoin.address, owner] });
    const before = await withdrawable();
    expect((await run(['buy', '11', '--account', '6'])).code).toBe(0);
    const feeBps = BigInt(await client.readContract({ ...marketplace, functionName: 'feeBps' }));
    const price = 25_000_000n;
    const net = price - (price * feeBps) / 10_000n;
    const owed = before + (net * 1_000n) / 10_000n;
    expect(await withdrawable()).toBe(owed);
    // Withdrawing takes the licence side's balance, royalty included, and the data fees the vitals' jobs paid.
    const { computeMarket } = contractsOf(deployments);
    const fees = await client.readContract({ ...computeMarket, functionName: 'withdrawable', args: [deployments.stablecoin.address, owner] });
    const wallet = () => client.readContract({ address: deployments.stablecoin.address, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
    const held = await wallet();
    expect((await run(['withdraw', '--account', '4'])).code).toBe(0);
    expect((await wallet()) - held).toBe(owed + fees);
    expect(await withdrawable()).toBe(0n);

    const lineage = await run(['lineage', '3']);
    expect(lineage.code).toBe(0);
    expect(lineage.output).toMatch(/#7 ICU alert model .*\[model\]/);
    expect(lineage.output).toMatch(/#11 Alert model \[model\] \(10 % of each sale, job \d+\)/);
  });

  it('indexes the market: datagora stats, /api/analytics and search report it, wash trade excluded', async () => {
    const run = async (args: string[]) => {
      const child = runCli(args, env);
      return { code: await child.exit, output: child.output() };
    };
    await waitForIndexer();

    // Demo: 10 real sales worth 325 dUSD, a wash trade of 60, a training job and its model sold at 20; then Tides
    // sold at 9.99, a compute job, and a second model trained and sold at 25.
    const stats = await run(['stats', '--json']);
    expect(stats.code).toBe(0);
    const { totals } = JSON.parse(stats.output) as { totals: { datasets: number; licences: number; jobs: number; licenceVolume: { value: string }; flagged: { licences: number; volume: { value: string } } } };
    expect(totals).toMatchObject({ datasets: 11, licences: 13, jobs: 3, licenceVolume: { value: '379.99' }, flagged: { licences: 1, volume: { value: '60' } } });
    const withWash = JSON.parse((await run(['stats', '--json', '--include-wash'])).output) as { totals: { licences: number } };
    expect(withWash.totals.licences).toBe(14);

    const api = await fetch(`${url}/api/analytics/top-datasets?by=revenue&limit=1`);
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ datasets: [{ datasetId: 2, revenue: { value: '120' }, sales: 3 }] });
    const csv = await fetch(`${url}/api/analytics/licence-mix.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toMatch(/^preset,sales,volume\r\n/);
    const bad = await fetch(`${url}/api/analytics/totals?wash=maybe`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ parameter: 'wash' });

    const found = JSON.parse((await run(['datasets', 'tides', '--json'])).output) as { id: string; title: string }[];
    expect(found.map((d) => d.title)).toEqual(['Tides']);
    const search = await fetch(`${url}/api/datasets?computeOnly=true`);
    expect(((await search.json()) as { items: { title: string }[] }).items.map((d) => d.title).sort()).toEqual(['ICU vitals, hospital A', 'ICU vitals, hospital B', 'Synthetic ICU patient vitals (compute-only)']);
  });

  it('answers a second start in the same home with where the market runs, and leaves it running', async () => {
    const second = runCli(['start'], env);
    expect(await second.exit).toBe(2);
    expect(second.output()).toContain(`MarketRunningError: Datagora is already running at ${url} (pid ${stack!.child.pid})`);
    expect(second.output()).not.toMatch(/in use|DATAGORA_PORT=/);
    expect(stack!.child.exitCode).toBeNull();
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  });

  it('names the taken port and the variable that moves it', async () => {
    const webTaken = runCli(['start'], { ...env, DATAGORA_HOME: `${home}-other` });
    expect(await webTaken.exit).toBe(2);
    expect(webTaken.output()).toContain(`port ${webPort}`);
    expect(webTaken.output()).toContain('DATAGORA_PORT');

    const ipfsTaken = runCli(['start'], { ...env, DATAGORA_HOME: `${home}-other`, DATAGORA_PORT: String(webPort + 50) });
    expect(await ipfsTaken.exit).toBe(2);
    expect(ipfsTaken.output()).toContain(`port ${ipfsPort}`);
    expect(ipfsTaken.output()).toContain('DATAGORA_IPFS_PORT');

    const chainTaken = runCli(['start'], {
      ...env,
      DATAGORA_HOME: `${home}-other`,
      DATAGORA_PORT: String(webPort + 50),
      DATAGORA_IPFS_PORT: String(ipfsPort + 50),
      DATAGORA_KEYNODE_PORT: String(keyPort + 500),
      DATAGORA_PROVIDER_PORT: String(providerPort + 50),
      DATAGORA_INDEXER_PORT: String(indexerPort + 50),
    });
    expect(await chainTaken.exit).toBe(2);
    expect(chainTaken.output()).toContain(`port ${anvilPort}`);
    expect(chainTaken.output()).toContain('DATAGORA_ANVIL_PORT');
    rmSync(`${home}-other`, { recursive: true, force: true });
  });

  it('keeps the chain across a restart and leaves no process behind', async () => {
    const deploymentsFile = path.join(home, 'deployments.json');
    const before = readFileSync(deploymentsFile, 'utf8');
    const deployments = readDeployments(deploymentsFile);
    const client = await connectPublic(`http://127.0.0.1:${anvilPort}`, deployments.chainId);
    const owner = walletFor(client, devAccount(1));
    const hash = await owner.writeContract({
      ...contractsOf(deployments).registry,
      functionName: 'registerTerms',
      args: [
        {
          currency: deployments.stablecoin.address,
          accessDuration: 0n,
          commercialRevShare: 0,
          computeOnly: false,
          aiTrainingAllowed: false,
          transferable: false,
          commercialUse: false,
          commercialAttribution: false,
          derivativesAllowed: false,
          derivativesAttribution: false,
          derivativesReciprocal: false,
          downloadPrice: 1_000_000n,
          computePrice: 0n,
          uri: 'ipfs://terms',
        },
      ],
    });
    await client.waitForTransactionReceipt({ hash });
    const blockBefore = await client.getBlockNumber();
    const termsBefore = await client.readContract({ ...contractsOf(deployments).registry, functionName: 'termsCount' });

    await waitForIndexer();
    const statsBefore = await runCli(['stats', '--json', '--include-wash'], env);
    expect(await statsBefore.exit).toBe(0);

    await stopStack(stack!);
    stack = await startStack();
    expect(stack.output()).toMatch(/\[deploy\]\s+contracts found on chain 31337/);
    // The indexer resumes from its cursor in the kept PGlite database: nothing lost, nothing counted twice.
    await waitForIndexer();
    const statsAfter = await runCli(['stats', '--json', '--include-wash'], env);
    expect(await statsAfter.exit).toBe(0);
    expect(JSON.parse(statsAfter.output())).toEqual(JSON.parse(statsBefore.output()));
    expect(stack.output()).toMatch(/\[web\]\s+production build is up to date/);
    expect(readFileSync(deploymentsFile, 'utf8')).toBe(before);

    const restarted = await connectPublic(`http://127.0.0.1:${anvilPort}`, deployments.chainId);
    expect(await restarted.getBlockNumber()).toBeGreaterThanOrEqual(blockBefore);
    expect(
      await restarted.readContract({ ...contractsOf(deployments).registry, functionName: 'termsCount' }),
    ).toBe(termsBefore);
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    // Blocks and key shares survive too: a buyer from before the restart still downloads.
    const again = runCli(['download', '10', '--out', path.join(home, 'after-restart.csv'), '--account', '2'], env);
    expect(await again.exit).toBe(0);
    expect(readFileSync(path.join(home, 'after-restart.csv'), 'utf8')).toContain('brest,6.1');

    await stopStack(stack);
  });

  it('stops what it already started when interrupted while starting', async () => {
    const run = runCli(['start'], env);
    // The chain, IPFS and key nodes run; the indexer is starting.
    await run.waitFor(/\[indexer\]/, 120_000);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/\[stack\]\s+stopping \(SIGINT\) before the market was up/);
    expect(processesWith('environ', `DATAGORA_HOME=${home}`)).toEqual([]);
  });
});
