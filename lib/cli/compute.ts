/**
 * Compute-to-data commands: request a job on one dataset or several and follow it (`compute`), inspect, cancel or
 * refund one (`job`; a job over several datasets as a whole), verify a receipt, manage a dataset's approved
 * algorithms, list providers, and run a provider node.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Hex } from 'viem';
import { loadConfig } from '../config';
import { algorithmHash } from '../compute/algorithm';
import { ComputeClient, DEFAULT_MAX_MINUTES } from '../compute/buyer/client';
import { epsilonText } from '../compute/release-words';
import type { JobView } from '../compute/api';
import type { Receipt } from '../compute/receipt';
import { fetchTemplates } from '../compute/actions/request';
import { nodeJobOf, type EscrowSplit, type RunJobOnChain } from '../compute/actions/results';
import { MAX_RUN_DATASETS, type RunQuote } from '../compute/buyer/quote';
import { datasetId, idList, parse, positiveId, printJson, wholeNumber, withMarket } from './market';
import type { Market } from '../market';
import { truncate } from './table';
import { UsageError, withNegativeValues } from './usage';

const jobId = (value: string | undefined): bigint => positiveId('job', value);

/** Lines of a failed job's log shown in the terminal: enough for the reason and what led to it. */
const LOG_TAIL_LINES = 20;

/** What settling the job delivered, and so whether the data fee was paid. */
function delivery(receipt: Receipt): string {
  if (!receipt.delivered) return 'nothing delivered: data fee refunded';
  return receipt.status === 'finished' ? 'results delivered' : 'the algorithm failed, so only its logs were delivered, no outputs; the data fee was paid';
}

/** The end of each log a failed job delivered: its reason is there, not in the job's status. */
function printLogTails(outDir: string, logs: readonly string[]): void {
  for (const file of logs) {
    const lines = readFileSync(path.join(outDir, 'logs', file), 'utf8').trimEnd().split('\n');
    if (lines.length === 1 && lines[0] === '') continue;
    const tail = lines.slice(-LOG_TAIL_LINES);
    console.error(`last ${tail.length} line${tail.length === 1 ? '' : 's'} of logs/${file}:`);
    for (const line of tail) console.error(`  | ${truncate(line, 240)}`);
  }
}

function describe(view: JobView): string {
  const detail = view.history.at(-1)?.detail ?? view.detail;
  // A failure without words of its own has the reason's as its detail: said once.
  return `job ${view.jobId}: ${view.status}${view.reason ? ` (${view.reason}: ${view.reasonText})` : ''}${detail && detail !== view.reasonText ? ` — ${detail}` : ''}`;
}

export async function compute(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    algorithm: { type: 'string' },
    template: { type: 'string' },
    model: { type: 'string' },
    params: { type: 'string' },
    provider: { type: 'string' },
    environment: { type: 'string' },
    'max-minutes': { type: 'string' },
    'ai-training': { type: 'boolean', default: false },
    wait: { type: 'boolean', default: false },
    out: { type: 'string' },
  });
  const [id, extra] = positionals;
  if (extra) throw new UsageError('compute takes one dataset id, or several separated by commas (3,10)');
  const datasets = idList('dataset', id ?? '');
  if (datasets.length > MAX_RUN_DATASETS) throw new UsageError(`compute takes at most ${MAX_RUN_DATASETS} dataset ids, got ${datasets.length}`);
  if (!values.algorithm === !values.template) throw new UsageError('compute needs --algorithm FILE (.py or .js) or --template NAME (`datagora templates` lists them)');
  if (values.model !== undefined && values.template !== 'evaluate') throw new UsageError('--model goes with --template evaluate');
  let params: unknown = {};
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params);
    } catch {
      throw new UsageError(`--params must be JSON, e.g. '{"target":"alert"}'`);
    }
  }
  const maxMinutes = wholeNumber('max-minutes', values['max-minutes'], 1) ?? DEFAULT_MAX_MINUTES;
  const providerId = values.provider === undefined ? undefined : BigInt(wholeNumber('provider', values.provider, 1)!);
  const environment = wholeNumber('environment', values.environment);
  if (values.out !== undefined && !values.wait) throw new UsageError('--out needs --wait (or fetch later with `datagora job <id> --out DIR`)');
  return withMarket(values, async (market) => {
    const client = new ComputeClient(market);
    const what = values.template ? { template: values.template, ...(values.model ? { model: values.model } : {}) } : { algorithm: values.algorithm! };
    const run = datasets.length > 1;
    const onQuote = (quote: RunQuote) => {
      // Each dataset's fee and the total, said before the one payment that escrows them all.
      if (values.json || !run) return;
      for (const job of quote.jobs) console.error(`dataset ${job.datasetId}: data fee ${market.formatAmount(job.dataFee)}`);
      console.error(`compute: up to ${maxMinutes} min at ${market.formatAmount(quote.pricePerMinute)}/min = ${market.formatAmount(BigInt(maxMinutes) * quote.pricePerMinute)}, once for the ${quote.jobs.length} datasets`);
      console.error(`total escrow: ${market.formatAmount(quote.escrow)} (data fees ${market.formatAmount(quote.dataFees)}); paying it now`);
    };
    const requested = await client.request({ datasetId: run ? datasets : datasets[0]!, ...what, params, maxMinutes, aiTraining: values['ai-training'], ...(providerId !== undefined ? { providerId } : {}), ...(environment !== undefined ? { environment } : {}) }, onQuote);
    const jobIds = [requested.jobId, ...requested.linked.map((job) => job.jobId)];
    if (!values.json) {
      const fees = requested.job.dataFee + requested.linked.reduce((sum, job) => sum + job.job.dataFee, 0n);
      console.error(
        run
          ? `jobs ${jobIds.join(', ')} paid: ${market.formatAmount(requested.escrow)} in escrow (data fees ${market.formatAmount(fees)} + up to ${maxMinutes} min at ${market.formatAmount(requested.job.pricePerMinute)}/min) on provider ${requested.provider.id}; the job goes by its first id, ${requested.jobId}`
          : `job ${requested.jobId} paid: ${market.formatAmount(requested.escrow)} in escrow (data fee ${market.formatAmount(fees)} + up to ${maxMinutes} min at ${market.formatAmount(requested.job.pricePerMinute)}/min) on provider ${requested.provider.id}`,
      );
      console.error(`${values.template ? `template ${values.template}` : `algorithm ${path.basename(values.algorithm!)}`} sha256 ${requested.job.algorithmHash}${requested.job.epsilon > 0n ? `, spending ε ${epsilonText(requested.job.epsilon)}` : ''}; tx ${requested.txHash}`);
    }
    if (!values.wait) {
      if (values.json) printJson({ jobId: requested.jobId, ...(run ? { jobIds } : {}), escrow: requested.escrow, providerId: requested.provider.id, txHash: requested.txHash });
      else console.log(requested.jobId.toString());
      return 0;
    }
    let shown = '';
    const final = await client.follow(requested.jobId, (view) => {
      const line = describe(view);
      if (!values.json && line !== shown) console.error(line);
      shown = line;
    });
    const out = path.resolve(values.out ?? `job-${requested.jobId}`);
    const results = await client.results(requested.jobId, out);
    if (values.json) printJson({ jobId: requested.jobId, status: final.status, reason: final.reason, outDir: out, outputs: results.outputs, logs: results.logs, receipt: results.receipt });
    else {
      const { receipt } = results.receipt;
      console.error(`receipt verified: signed by provider ${requested.provider.id}'s node key and settled on-chain (${receipt.minutesUsed} min): ${delivery(receipt)}`);
      if (run) for (const { jobId: id, datasetId: dataset, split } of results.splits) console.error(`  job ${id}, dataset ${dataset}: ${splitText(market, split)}`);
      for (const file of results.outputs) console.error(`  outputs/${file}`);
      for (const file of results.logs) console.error(`  logs/${file}`);
      if (receipt.status === 'failed') printLogTails(out, results.logs);
      console.log(out);
    }
    return final.status === 'finished' ? 0 : 1;
  });
}

const STATUSES = ['none', 'requested', 'accepted', 'settled', 'refunded', 'cancelled'];

/** Where a settled job's escrow went. */
function splitText(market: Market, split: EscrowSplit): string {
  return `owner paid ${market.formatAmount(split.ownerAmount)}, provider ${market.formatAmount(split.providerAmount)}, market fee ${market.formatAmount(split.marketFee)}, back to you ${market.formatAmount(split.buyerRefund)}`;
}

/** One job as the chain tells it: its status, escrow and, once closed, where the escrow went. */
function onChainText(market: Market, job: RunJobOnChain): string {
  const outcome = job.settlement ? ` — ${splitText(market, job.settlement.split)}` : job.returned !== undefined ? ` — ${market.formatAmount(job.returned)} credited back to you` : '';
  return `job ${job.jobId} on dataset ${job.job.datasetId}, provider ${job.job.providerId}: ${STATUSES[job.status]} on-chain, escrow ${market.formatAmount(job.escrow)}${outcome}`;
}

/** `datagora job` on a job of a federated training: every job of the run on-chain, and this job's rounds at its node. */
async function federatedJob(market: Market, client: ComputeClient, jid: bigint, run: RunJobOnChain[], json: boolean | undefined): Promise<number> {
  const session = await client.federatedStatus(jid);
  if (json) {
    printJson({ jobId: jid, run: run.map((j) => ({ ...j, status: STATUSES[j.status] })), node: session ?? null });
    return 0;
  }
  console.log(`job ${jid} is one of the ${run.length} jobs of a federated training over datasets ${run.map((j) => j.job.datasetId).join(', ')} (deadline ${new Date(Number(run[0]!.job.deadline) * 1000).toISOString()}):`);
  for (const j of run) console.log(`  ${onChainText(market, j)} on provider ${j.job.providerId}`);
  if (!session) console.log('its provider node does not answer or has no such training');
  else {
    console.log(`at its node: ${session.status}, ${session.released} update(s) released (${session.bytesReleased} B), of ${session.plan.rounds} rounds`);
    for (const r of session.rounds) console.log(`  round ${r.round} attempt ${r.attempt}: ${r.outcome}${'reason' in r && r.reason ? ` (${r.reason})` : ''}, ${r.participants} providers, ${r.bytes} B, ${r.wallMs} ms`);
  }
  return 0;
}

export async function job(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { cancel: { type: 'boolean', default: false }, refund: { type: 'boolean', default: false }, out: { type: 'string' }, wait: { type: 'boolean', default: false } });
  const [id, extra] = positionals;
  if (extra) throw new UsageError('job takes one job id');
  const jid = jobId(id);
  return withMarket(values, async (market) => {
    const client = new ComputeClient(market);
    if (values.cancel || values.refund) {
      // A job over several datasets is reclaimed whole: every job of its run still open.
      const txs = values.cancel ? await client.cancel(jid) : await client.refund(jid);
      if (values.json) printJson({ jobId: jid, txHashes: txs });
      else console.log(`${txs.length === 1 ? `job ${jid}` : `the ${txs.length} open jobs of job ${jid}'s run`} ${values.cancel ? 'cancelled' : 'refunded'}: the whole escrow is credited back (datagora withdraw) — tx ${txs.join(', ')}`);
      return 0;
    }
    const run = await client.run(jid);
    if (nodeJobOf(run, jid).federated) return federatedJob(market, client, jid, run, values.json);
    const onChain = run.find((j) => j.jobId === jid)!;
    const view = values.wait ? await client.follow(jid) : await client.status(jid).catch(() => undefined);
    if (values.out) {
      const results = await client.results(jid, path.resolve(values.out));
      if (!values.json) {
        console.error(`results of job ${jid} in ${values.out}: ${results.outputs.length} output(s), ${results.logs.length} log file(s); receipt verified: ${delivery(results.receipt.receipt)}`);
        if (results.receipt.receipt.status === 'failed') printLogTails(path.resolve(values.out), results.logs);
      }
    }
    if (values.json) printJson({ jobId: jid, onChain: { status: STATUSES[onChain.status], escrow: onChain.escrow, job: onChain.job }, ...(run.length > 1 ? { run: run.map((j) => ({ ...j, status: STATUSES[j.status] })) } : {}), node: view ?? null });
    else {
      const deadline = new Date(Number(onChain.job.deadline) * 1000).toISOString();
      if (run.length === 1) console.log(`${onChainText(market, onChain)}, deadline ${deadline}`);
      else {
        const total = run.reduce((sum, j) => sum + j.escrow, 0n);
        console.log(`job ${jid} is one of the ${run.length} jobs of a run over datasets ${run.map((j) => j.job.datasetId).join(', ')} on provider ${onChain.job.providerId} (escrow ${market.formatAmount(total)} in all, deadline ${deadline}); it goes by job ${run[0]!.jobId}:`);
        for (const j of run) console.log(`  ${onChainText(market, j)}`);
      }
      if (view) {
        console.log(describe(view));
        for (const event of view.history) console.log(`  ${event.at} ${event.status}${event.detail ? `: ${event.detail}` : ''}`);
        for (const finding of view.findings ?? []) console.log(`  guard: ${finding.kind}${'file' in finding ? ` in ${finding.file}` : ''}${'detail' in finding ? ` — ${finding.detail}` : ''}`);
      } else console.log('the provider node does not answer or has no such job');
    }
    return 0;
  });
}

export async function receipt(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { results: { type: 'string' } });
  const [sub, file, extra] = positionals;
  if (sub !== 'verify' || !file || extra) throw new UsageError('usage: datagora receipt verify <receipt.json> [--results DIR]');
  // By default the results next to the receipt are checked too, when they are there.
  const dir = values.results ?? path.dirname(path.resolve(file));
  return withMarket(values, async (market) => {
    const client = new ComputeClient(market);
    const withFiles = existsSync(path.join(dir, 'outputs')) || existsSync(path.join(dir, 'logs'));
    const signed = await client.verifyReceipt(file, withFiles ? dir : undefined);
    const r = signed.receipt;
    if (values.json) printJson({ valid: true, receipt: signed, filesChecked: withFiles });
    else {
      console.log(`valid receipt for job ${r.jobId}: ${r.status}${r.reason ? ` (${r.reason})` : ''}, exit ${r.exitCode}, ${r.minutesUsed} min on ${r.hardware}`);
      console.log(`  signed by node key ${signed.signer}; settled on-chain with this receipt and its outputs' root: ${delivery(r)}`);
      const datasets = (r.datasets ?? [r]).map((d) => `dataset ${d.datasetId} content ${d.datasetCid}${r.datasets ? ` (job ${d.jobId}, settled with it)` : ''}`).join('; ');
      console.log(`  ${datasets}; algorithm ${r.algorithmHash}; ${withFiles ? 'output and log files match their hashes' : 'files not checked (no outputs/ next to the receipt; pass --results DIR)'}`);
    }
    return 0;
  });
}

export async function algorithms(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [sub, first, second] = positionals;
  if (sub === 'hash') {
    if (!first) throw new UsageError('usage: datagora algorithms hash <file>');
    console.log(algorithmHash(readFileSync(first)));
    return 0;
  }
  if (sub !== 'approve' && sub !== 'revoke' && sub !== 'pending') throw new UsageError('usage: datagora algorithms approve|revoke <datasetId> <sha256 | file> | pending <datasetId> | hash <file>');
  const dataset = datasetId(first);
  return withMarket(values, async (market) => {
    const client = new ComputeClient(market);
    if (sub === 'pending') {
      const pending = await client.pendingAlgorithms(dataset);
      if (values.json) printJson(pending);
      else if (pending.length === 0) console.log(`no algorithm awaits approval for dataset ${dataset}`);
      else for (const p of pending) console.log(`${p.algorithmHash}  jobs ${p.jobIds.join(', ')}`);
      return 0;
    }
    if (!second) throw new UsageError(`usage: datagora algorithms ${sub} <datasetId> <sha256 | file>`);
    const hash = (/^0x[0-9a-fA-F]{64}$/.test(second) ? second.toLowerCase() : algorithmHash(readFileSync(second))) as Hex;
    const tx = await client.setAlgorithmApproval(dataset, hash, sub === 'approve');
    if (values.json) printJson({ datasetId: dataset, algorithmHash: hash, approved: sub === 'approve', txHash: tx });
    else console.log(`algorithm ${hash} ${sub === 'approve' ? 'approved' : 'revoked'} for dataset ${dataset} (tx ${tx})`);
    return 0;
  });
}

/**
 * `datagora providers`: every registered provider; `providers allow|withdraw <datasetId> <ids>`: the dataset's
 * owner allows providers to run its jobs (and see its plaintext in their nodes) or withdraws them;
 * `providers of <datasetId>`: the providers a dataset allows.
 */
export async function providers(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [sub, first, second] = positionals;
  if (sub === 'allow' || sub === 'withdraw') {
    if (!second) throw new UsageError(`usage: datagora providers ${sub} <datasetId> <providerId[,providerId…]>`);
    const dataset = datasetId(first);
    const ids = idList('provider', second);
    return withMarket(values, async (market) => {
      const tx = await new ComputeClient(market).setProvidersAllowed(dataset, ids, sub === 'allow');
      if (values.json) printJson({ datasetId: dataset, providers: ids, allowed: sub === 'allow', txHash: tx });
      else console.log(`provider${ids.length === 1 ? '' : 's'} ${ids.join(', ')} ${sub === 'allow' ? 'allowed on' : 'withdrawn from'} dataset ${dataset} (tx ${tx})`);
      return 0;
    });
  }
  if (sub !== undefined && sub !== 'of') throw new UsageError('usage: datagora providers [of <datasetId> | allow|withdraw <datasetId> <ids>]');
  const dataset = sub === 'of' ? datasetId(first) : undefined;
  return withMarket(values, async (market) => {
    const client = new ComputeClient(market);
    const list = dataset === undefined ? await client.providers() : await client.allowedProviders(dataset);
    if (dataset !== undefined && !values.json && list.length === 0) console.log(`dataset ${dataset} allows no provider: no compute job can run on it`);
    if (values.json) printJson(list);
    else if (list.length === 0 && dataset === undefined) console.log('no compute provider is registered');
    for (const p of values.json ? [] : list) {
      console.log(`provider ${p.id}${p.active ? '' : ' (retired)'} ${p.endpoint} node ${p.signer}`);
      p.environments.forEach((env, i) => console.log(`  env ${i}: ${env.kind === 1 ? `gpu ${env.gpus}× ${env.gpuModel}, ` : 'cpu '}${env.cpus} CPUs, ${env.memoryMb} MB — ${market.formatAmount(env.pricePerMinute)}/min`));
    }
    return 0;
  });
}

/** `datagora templates [--provider ID]`: the analysis templates a provider's node ships, with their parameters. */
export async function templates(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { provider: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError('usage: datagora templates [--provider ID]');
  const providerId = values.provider === undefined ? undefined : BigInt(wholeNumber('provider', values.provider, 1)!);
  return withMarket(values, async (market) => {
    const active = (await new ComputeClient(market).providers()).filter((p) => p.active);
    const provider = providerId === undefined ? active[0] : active.find((p) => p.id === providerId);
    if (!provider) throw new UsageError(providerId === undefined ? 'no compute provider is registered' : `provider ${providerId} is not an active provider (\`datagora providers\` lists them)`);
    const list = await fetchTemplates(provider.endpoint);
    if (values.json) return printJson(list), 0;
    console.log(`provider ${provider.id} (${provider.endpoint}) runs ${list.length} analysis template${list.length === 1 ? '' : 's'}:`);
    for (const template of list) {
      console.log(`\n${template.name} ${template.version}  sha256 ${template.hash}\n  ${template.description}`);
      // A template taking several shapes (train: one per model) lists each.
      const variants = (template.params.anyOf ?? [template.params]) as Record<string, unknown>[];
      for (const variant of variants) {
        const properties = (variant.properties ?? {}) as Record<string, { description?: string; const?: unknown }>;
        const required = new Set((variant.required ?? []) as string[]);
        if (variants.length > 1) console.log(`  one of: ${Object.entries(properties).filter(([, schema]) => schema.const !== undefined).map(([name, schema]) => `${name} ${JSON.stringify(schema.const)}`).join(', ') || 'another shape'}`);
        for (const [name, schema] of Object.entries(properties)) {
          if (schema.const !== undefined) continue;
          console.log(`${variants.length > 1 ? '  ' : ''}  --params ${name}${required.has(name) ? '' : ' (optional)'}${schema.description ? `: ${schema.description}` : ''}`);
        }
      }
    }
    return 0;
  });
}

/** `datagora provider`: runs a provider node until a signal, as the operator account. */
export async function provider(args: string[]): Promise<number> {
  const options = { account: { type: 'string' }, 'private-key-env': { type: 'string' } } as const;
  const { values } = parseArgs({ args: withNegativeValues(args, options), options });
  // The node (its sandbox and server) is loaded by this command only.
  const [{ PROVIDER_DEV_ACCOUNT, ProviderNode }, { resolveAccount }, { readDeployments }] = await Promise.all([import('../compute/provider/node'), import('../market'), import('../chain')]);
  const config = loadConfig();
  const { chainId } = readDeployments(config.deploymentsFile);
  if (values.account !== undefined && !/^\d+$/.test(values.account)) throw new UsageError('--account must be a dev account number');
  const operator = resolveAccount(values['private-key-env'] !== undefined ? { privateKeyEnv: values['private-key-env'] } : { devIndex: Number(values.account ?? PROVIDER_DEV_ACCOUNT) }, chainId);
  const node = await ProviderNode.start({ config, operator, log: (line) => console.log(line) });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  await node.stop();
  return 0;
}
