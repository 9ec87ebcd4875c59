/**
 * `datagora budget <datasetId>`: what compute jobs may release from a dataset (its owner's ε and byte budget) and what
 * each buyer's jobs released, from the indexer; `datagora budget set <datasetId> [limits]`: the owner replaces it.
 */
import { loadConfig } from '../config';
import { IndexerClient } from '../indexer/client';
import { budgetLines, epsilonText, releaseBytesText } from '../compute/release-words';
import { policyOf, releaseBudgetFor } from '../compute/policy';
import { setReleaseBudget } from '../market/actions/owner';
import { datasetId, parse, printJson, withMarket } from './market';
import { releaseLimits } from './owner';
import { printTable } from './table';
import { UsageError } from './usage';

const LIMIT_FLAGS = {
  epsilon: { type: 'string' },
  'epsilon-per-buyer': { type: 'string' },
  'max-release-kb': { type: 'string' },
  'max-buyer-release-kb': { type: 'string' },
} as const;

const USAGE = 'usage: datagora budget <datasetId> | budget set <datasetId> [--epsilon E] [--epsilon-per-buyer E] [--max-release-kb N] [--max-buyer-release-kb N]';

export async function budget(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, LIMIT_FLAGS);
  const [first, second, extra] = positionals;
  if (first === 'set') {
    if (extra !== undefined) throw new UsageError(USAGE);
    return setBudget(datasetId(second), values);
  }
  if (second !== undefined || Object.keys(LIMIT_FLAGS).some((flag) => flag in values)) throw new UsageError(USAGE);
  const id = datasetId(first);
  const releases = await new IndexerClient(loadConfig().indexer.url).releases(id);
  if (values.json) {
    printJson(releases);
    return 0;
  }
  const { budget: set, totals, buyers } = releases;
  console.log(`Dataset ${id}: release budget ${set ? `set ${set.updatedAt}` : 'never set: nothing is limited'}`);
  for (const line of budgetLines(set)) console.log(`  ${line.label.padEnd(16)}${line.value}`);
  console.log(`Released: ε ${epsilonText(totals.epsilon)} spent, ${releaseBytesText(totals.releasedBytes)} by ${totals.jobs} job${totals.jobs === 1 ? '' : 's'} of ${totals.buyers} buyer${totals.buyers === 1 ? '' : 's'}`);
  if (totals.reserved.epsilon !== '0' || totals.reserved.bytes !== '0') console.log(`  open jobs reserve ε ${epsilonText(totals.reserved.epsilon)} and ${releaseBytesText(totals.reserved.bytes)} more`);
  if (buyers.length > 0) printTable(buyers.map((b) => ({ buyer: b.buyer, jobs: b.jobs, delivered: b.delivered, 'ε spent': epsilonText(b.epsilon), released: releaseBytesText(b.releasedBytes) })));
  if (buyers.length < totals.buyers) console.log(`  … and ${totals.buyers - buyers.length} more buyers (--json lists the same ${buyers.length})`);
  return 0;
}

/**
 * Replaces the budget as publishing sets it: a limit not given is none, except that a dataset running any algorithm
 * keeps a 64 kB cap a job unless --max-release-kb says otherwise.
 */
async function setBudget(id: bigint, values: Parameters<typeof releaseLimits>[0] & Parameters<typeof withMarket>[0]): Promise<number> {
  const limits = releaseLimits(values);
  return withMarket(values, async (market) => {
    const budget = releaseBudgetFor(policyOf((await market.getDataset(id)).document), limits);
    const { hash } = await setReleaseBudget(market.port(), id, budget);
    if (values.json) printJson({ datasetId: id, budget, txHash: hash });
    else {
      const view = { epsilonTotal: `${budget.epsilonTotal}`, epsilonPerBuyer: `${budget.epsilonPerBuyer}`, bytesPerJob: `${budget.bytesPerJob}`, bytesPerBuyer: `${budget.bytesPerBuyer}` };
      console.log(`dataset ${id}'s release budget is set for jobs requested from now on (tx ${hash}):`);
      for (const line of budgetLines(view)) console.log(`  ${line.label.padEnd(16)}${line.value}`);
    }
    return 0;
  });
}
