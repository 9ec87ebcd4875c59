/**
 * Lineage in the CLI: the derivation `datagora publish` asks for (--derived-from-job, --parents, --kind), the lines
 * `datagora show` adds (kind, parents with their shares and jobs, ancestors, children), and `datagora lineage <id>`,
 * the graph around an asset as text: its ancestors above it, its descendants below, each edge with its share and job.
 */
import { loadConfig } from '../config';
import type { AssetLineage, LineageEdge, LineageNode } from '../indexer/api';
import { IndexerClient } from '../indexer/client';
import { IndexerUnavailableError, QueryError } from '../indexer/errors';
import { ASSET_KINDS, type AssetKind, type DerivationInput, type ParentRef } from '../lineage/derivation';
import type { Market } from '../market';
import { datasetId, idList, parse, positiveId, printJson } from './market';
import { UsageError } from './usage';

/** The publish flags that make a derivative. */
export const DERIVATION_FLAGS = {
  'derived-from-job': { type: 'string' },
  parents: { type: 'string' },
  kind: { type: 'string' },
} as const;

/** What the derivation flags ask for, checked before anything is read; the job's dataset is found later. */
export interface DerivationFlags {
  jobId?: bigint;
  parents: ParentRef[];
  kind?: AssetKind;
}

export function derivationFlags(values: { 'derived-from-job'?: string; parents?: string; kind?: string }): DerivationFlags {
  const kind = values.kind;
  if (kind !== undefined && !(ASSET_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be ${ASSET_KINDS.join(' or ')}, not "${kind}"`);
  return {
    jobId: values['derived-from-job'] === undefined ? undefined : positiveId('job', values['derived-from-job']),
    parents: values.parents === undefined ? [] : idList('dataset', values.parents).map((parentId) => ({ parentId })),
    kind: kind as AssetKind | undefined,
  };
}

/**
 * The derivation to publish: every dataset of the job's run (read from the chain: one job over several datasets, or
 * a federated training), each through its own job, and the licensed parents, a model unless --kind says otherwise;
 * undefined for a dataset of no lineage. A job of the run that delivered nothing (a provider that dropped out of a
 * federated training) proves nothing and is left out.
 */
export async function derivationOf(market: Market, flags: DerivationFlags): Promise<DerivationInput | undefined> {
  const parents = [...flags.parents];
  if (flags.jobId !== undefined) {
    const { ComputeClient } = await import('../compute/buyer/client');
    const run = await new ComputeClient(market).run(flags.jobId);
    const delivered = run.filter((job) => job.settlement?.delivered || job.jobId === flags.jobId);
    for (const { jobId, job } of delivered) parents.push({ parentId: job.datasetId, jobId });
  }
  if (parents.length === 0 && flags.kind !== 'model') return undefined;
  return { kind: flags.kind ?? 'model', parents };
}

/** What entitled the child to the parent: a job, or (no job) the parent was its publisher's own or licensed to it. */
const entitlement = (jobId: bigint | string | null) => (jobId === null ? 'owned or licensed' : `job ${jobId}`);

/** What a derivative derives from, for the line `publish` prints (" derived from dataset 3 (job 2)"). */
export function derivedWords(derivation: DerivationInput): string {
  const parents = derivation.parents.map((p) => `dataset ${p.parentId} (${entitlement('jobId' in p ? p.jobId : null)})`);
  return parents.length > 0 ? ` derived from ${parents.join(', ')}` : '';
}

const percent = (bps: number) => `${bps / 100} %`;
/** An asset as the graph names it: its id, title and kind (just its id where the indexer gave no graph). */
const label = (node: LineageNode | undefined, id: string) => (node ? `#${id} ${node.title ?? '(title not read yet)'} [${node.kind}]` : `#${id}`);

/** The indexer's graph around `id`, or why there is none (for a note). */
async function graphOf(market: Market, id: bigint): Promise<{ graph: AssetLineage } | { unavailable: string }> {
  const client = new IndexerClient(market.config.indexer.url);
  try {
    return { graph: await client.lineage(id) };
  } catch (error) {
    if (error instanceof IndexerUnavailableError) return { unavailable: `the indexer at ${client.url} does not answer` };
    // Up, but it has not read the asset's block yet.
    if (error instanceof QueryError) return { unavailable: error.message };
    throw error;
  }
}

/** The lineage lines of `datagora show`, and its --json: the chain's record and, from the indexer, the children. */
export async function shownLineage(market: Market, id: bigint): Promise<{ lines: string[]; json: unknown }> {
  const { readDerivation } = await import('../lineage/read');
  const [chain, found] = await Promise.all([readDerivation(market, id), graphOf(market, id)]);
  const graph = 'graph' in found ? found.graph : undefined;
  const node = (nodeId: bigint | string) => graph?.nodes.find((n) => n.id === String(nodeId));
  const children = graph?.edges.filter((e) => e.parentId === String(id)) ?? [];
  const lines = [`kind       ${chain.kind}`];
  chain.parents.forEach((p, i) => lines.push(`${i === 0 ? 'parents   ' : '          '} ${label(node(p.parentId), String(p.parentId))}: ${percent(p.bps)} of each sale, ${entitlement(p.jobId)}`));
  const inherited = chain.ancestors.filter((a) => !chain.parents.some((p) => p.parentId === a.assetId));
  if (inherited.length > 0) lines.push(`ancestors  ${chain.ancestors.map((a) => `#${a.assetId} ${percent(a.bps)}`).join(', ')} (every sale pays each its share)`);
  const bound = [chain.keepsRights ? 'keeps the rights of its reciprocal parent' : '', chain.nonCommercial ? 'no commercial use' : ''].filter(Boolean);
  if (bound.length > 0) lines.push(`bound      ${bound.join('; ')} (its parents require it)`);
  if ('unavailable' in found) lines.push(`children   unknown: ${found.unavailable}`);
  else lines.push(`children   ${children.length === 0 ? 'none' : children.map((e) => `${label(node(e.childId), e.childId)} (${percent(e.bps)}, ${entitlement(e.jobId)})`).join('\n           ')}`);
  const json = { ...chain, children: graph ? children.map((e) => ({ assetId: e.childId, bps: e.bps, jobId: e.jobId })) : null };
  return { lines, json };
}

/** The graph as text: ancestors above the asset (the farthest first, each with its edges), descendants below as a tree. */
export function lineageText(graph: AssetLineage): string[] {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const edgeWords = (e: LineageEdge) => `${percent(e.bps)} of each sale, ${entitlement(e.jobId)}`;
  const depth = new Map<string, number>([[graph.assetId, 0]]);
  // Relaxing every edge once per node gives each ancestor its longest way down to the asset (the graph has no cycle).
  for (let round = 0; round <= graph.nodes.length; round++) {
    for (const e of graph.edges) {
      const below = depth.get(e.childId);
      if (below !== undefined && (depth.get(e.parentId) ?? -1) < below + 1) depth.set(e.parentId, below + 1);
    }
  }
  const ancestors = [...depth.keys()].filter((id) => id !== graph.assetId).sort((a, b) => depth.get(b)! - depth.get(a)! || Number(a) - Number(b));
  const lines = ['ancestors'];
  if (ancestors.length === 0) lines.push('  none');
  for (const id of ancestors) {
    lines.push(`  ${label(nodes.get(id), id)}`);
    for (const e of graph.edges.filter((edge) => edge.parentId === id && depth.has(edge.childId))) lines.push(`    → #${e.childId}: ${edgeWords(e)}`);
  }
  lines.push(label(nodes.get(graph.assetId), graph.assetId), 'descendants');
  const shown = new Set<string>();
  const descend = (id: string, indent: string) => {
    for (const e of graph.edges.filter((edge) => edge.parentId === id && !depth.has(edge.childId))) {
      const again = shown.has(e.childId);
      lines.push(`${indent}${label(nodes.get(e.childId), e.childId)} (${edgeWords(e)})${again ? ' — shown above' : ''}`);
      shown.add(e.childId);
      if (!again) descend(e.childId, `${indent}  `);
    }
  };
  descend(graph.assetId, '  ');
  if (shown.size === 0) lines.push('  none');
  if (graph.truncated) lines.push('  … and more than the indexer answers with (a few levels, a hundred assets)');
  return lines;
}

export async function lineage(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  const [first, extra] = positionals;
  if (extra !== undefined) throw new UsageError('lineage takes one id: datagora lineage <id>');
  const id = datasetId(first);
  const graph = await new IndexerClient(loadConfig().indexer.url).lineage(id);
  if (values.json) printJson(graph);
  else console.log(lineageText(graph).join('\n'));
  return 0;
}
