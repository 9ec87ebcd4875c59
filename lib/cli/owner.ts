/**
 * The dataset owner's CLI commands: `datagora publish`, `update` (metadata and prices), `delist`/`relist` and
 * `withdraw`, each one call of the market SDK as the chosen account.
 */
import { parsePreset, parsePrice } from '../licence/presets';
import { ALGORITHM_POLICIES, chosenComputePolicy, defaultComputePolicy, POLICY_WORDS, type AlgorithmPolicy, type ReleaseLimits } from '../compute/policy';
import type { ComputePolicy } from '../metadata';
import { datasetId, idList, parse, printJson, wholeNumber, withMarket } from './market';
import { derivationFlags, derivationOf, DERIVATION_FLAGS, derivedWords } from './lineage';
import { progressBar } from './progress';
import { UsageError } from './usage';

export async function publish(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    title: { type: 'string' },
    description: { type: 'string' },
    tags: { type: 'string' },
    licence: { type: 'string' },
    price: { type: 'string' },
    'compute-price': { type: 'string' },
    'access-days': { type: 'string' },
    'rev-share-bps': { type: 'string' },
    'preview-rows': { type: 'string' },
    policy: { type: 'string' },
    'max-output-mb': { type: 'string' },
    'min-group-size': { type: 'string' },
    epsilon: { type: 'string' },
    'epsilon-per-buyer': { type: 'string' },
    'max-release-kb': { type: 'string' },
    'max-buyer-release-kb': { type: 'string' },
    providers: { type: 'string' },
    ...DERIVATION_FLAGS,
  });
  const [file, extra] = positionals;
  if (!file || extra) throw new UsageError('publish takes one file: datagora publish <file> --title T --licence PRESET --price USDC');
  if (!values.title) throw new UsageError('publish needs --title');
  if (!values.licence) throw new UsageError('publish needs --licence (non-commercial, commercial, commercial-remix, ai-training, compute-only)');
  const preset = parsePreset(values.licence);
  const accessDays = wholeNumber('access-days', values['access-days']);
  const revShareBps = wholeNumber('rev-share-bps', values['rev-share-bps']);
  const previewRows = wholeNumber('preview-rows', values['preview-rows']);
  const compute = computePolicy(preset === 'compute-only', values.policy, wholeNumber('max-output-mb', values['max-output-mb']), wholeNumber('min-group-size', values['min-group-size']));
  const release = releaseLimits(values);
  if (preset !== 'compute-only' && values.price === undefined) throw new UsageError('publish needs --price (the download price, e.g. 12.50)');
  const providers = values.providers === undefined ? [] : idList('provider', values.providers);
  const lineage = derivationFlags(values);
  const bar = progressBar('encrypt+upload', !values.json && process.stderr.isTTY === true);
  const { result, derivation } = await withMarket(values, async (market) => {
    const decimals = market.deployments.stablecoin.decimals;
    const prices = {
      download: values.price === undefined ? 0n : parsePrice(values.price, decimals),
      compute: values['compute-price'] === undefined ? 0n : parsePrice(values['compute-price'], decimals),
    };
    const tags = values.tags ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [];
    const derivation = await derivationOf(market, lineage);
    const info = { title: values.title!, description: values.description, tags, previewRows, providers, release, ...(compute ? { compute } : {}), ...(derivation ? { derivation } : {}) };
    try {
      return { result: await market.publish(file, info, { preset, accessDays, revShareBps }, prices, (p) => bar.update(p.bytes, p.total)), derivation };
    } finally {
      bar.done();
    }
  });
  if (values.json) printJson({ ...result, ...(derivation ? { derivation } : {}) });
  else {
    if (result.resumed) console.error(`reused the ciphertext stored by an earlier attempt (${result.contentCid})`);
    if (result.notice) console.error(result.notice);
    const policy = compute?.algorithms ?? defaultComputePolicy(preset === 'compute-only')?.algorithms;
    if (policy) console.error(`compute policy ${policy}: ${POLICY_WORDS[policy].consequence}`);
    console.error(`published ${derivation?.kind ?? 'dataset'} ${result.datasetId}${derivation ? derivedWords(derivation) : ''}: metadata ${result.metadataCid}, content ${result.contentCid}, tx ${result.txHash}`);
    console.log(result.datasetId.toString());
  }
  return 0;
}

/** The compute policy the publish flags ask for, or undefined for the defaults. */
function computePolicy(computeOnly: boolean, policy: string | undefined, maxOutputMb: number | undefined, minGroupSize: number | undefined): ComputePolicy | undefined {
  if (policy !== undefined && !ALGORITHM_POLICIES.includes(policy as AlgorithmPolicy)) {
    throw new UsageError(`--policy must be one of: ${ALGORITHM_POLICIES.map((name) => `${name} (${POLICY_WORDS[name as AlgorithmPolicy].title.toLowerCase()})`).join(', ')}`);
  }
  if (minGroupSize !== undefined && minGroupSize < 2) throw new UsageError('--min-group-size must be at least 2');
  if (maxOutputMb !== undefined && maxOutputMb < 1) throw new UsageError('--max-output-mb must be at least 1');
  return chosenComputePolicy(computeOnly, { algorithms: policy as AlgorithmPolicy | undefined, minGroupSize, maxOutputBytes: maxOutputMb === undefined ? undefined : maxOutputMb * 2 ** 20 });
}

/** The release limits the publish and `budget set` flags set: ε (a decimal), and kilobytes per job and per buyer. */
export function releaseLimits(values: { epsilon?: string; 'epsilon-per-buyer'?: string; 'max-release-kb'?: string; 'max-buyer-release-kb'?: string }): ReleaseLimits {
  const epsilon = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || value > 1000) throw new UsageError(`--${flag} must be a positive number of ε up to 1000, e.g. 1 or 0.5`);
    return value;
  };
  const kb = (flag: 'max-release-kb' | 'max-buyer-release-kb') => {
    const value = wholeNumber(flag, values[flag]);
    if (value !== undefined && value < 1) throw new UsageError(`--${flag} must be at least 1`);
    return value === undefined ? undefined : value * 1024;
  };
  const limits = { epsilonTotal: epsilon('epsilon', values.epsilon), epsilonPerBuyer: epsilon('epsilon-per-buyer', values['epsilon-per-buyer']), bytesPerJob: kb('max-release-kb'), bytesPerBuyer: kb('max-buyer-release-kb') };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

export async function update(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    title: { type: 'string' },
    description: { type: 'string' },
    tags: { type: 'string' },
    price: { type: 'string' },
    'compute-price': { type: 'string' },
  });
  const id = datasetId(positionals[0]);
  const metadataChanges = {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values.tags !== undefined ? { tags: values.tags.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
  };
  const pricing = values.price !== undefined || values['compute-price'] !== undefined;
  if (Object.keys(metadataChanges).length === 0 && !pricing) throw new UsageError('update needs at least one of --title, --description, --tags, --price, --compute-price');
  await withMarket(values, async (market) => {
    const out: Record<string, unknown> = {};
    if (pricing) {
      const current = (await market.getDataset(id)).terms;
      const decimals = market.deployments.stablecoin.decimals;
      const prices = {
        download: values.price === undefined ? current.downloadPrice : parsePrice(values.price, decimals),
        compute: values['compute-price'] === undefined ? current.computePrice : parsePrice(values['compute-price'], decimals),
      };
      out.pricesTx = await market.setPrices(id, prices);
      if (!values.json) console.log(`dataset ${id} now costs ${market.formatAmount(prices.download)} to download, ${market.formatAmount(prices.compute)} per compute job`);
    }
    if (Object.keys(metadataChanges).length > 0) {
      const result = await market.updateMetadata(id, metadataChanges);
      Object.assign(out, result);
      if (!values.json) console.log(`dataset ${id} is at metadata version ${result.version} (${result.metadataCid})`);
    }
    if (values.json) printJson(out);
  });
  return 0;
}

export async function delist(args: string[], relist = false): Promise<number> {
  const { values, positionals } = parse(args, {});
  const id = datasetId(positionals[0]);
  await withMarket(values, async (market) => {
    const txHash = relist ? await market.relist(id) : await market.delist(id);
    if (values.json) printJson({ datasetId: id, listed: relist, txHash });
    else console.log(relist ? `dataset ${id} is listed again` : `dataset ${id} is delisted: no new sales; licences already sold stay valid`);
  });
  return 0;
}

export async function withdraw(args: string[]): Promise<number> {
  const { values } = parse(args, {});
  await withMarket(values, async (market) => {
    const result = await market.withdraw();
    if (values.json) printJson(result);
    else console.log(result.amount === 0n ? 'nothing to withdraw' : `withdrew ${market.formatAmount(result.amount)}`);
  });
  return 0;
}
