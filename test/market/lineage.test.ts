/**
 * Derivatives through the market SDK against the real embedded components: a model published from a licensed
 * dataset is registered on-chain with its parent, its content hash and the parent's share, and its sale pays the
 * parent's owner; every rule a parent sets is refused before anything is uploaded, sealed, signed or sent.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseUnits } from 'viem';
import { contractsOf } from '@/lib/contracts';
import { DerivationRefusedError, type DerivationInput } from '@/lib/lineage/derivation';
import { readDerivation } from '@/lib/lineage/read';
import { DatasetNotFoundError, type Market } from '@/lib/market';
import { publish, type PublishInput, type PublishResult } from '@/lib/market/actions/publish';
import { fileSource } from '@/lib/market/read';
import type { TermsRequest } from '@/lib/market/terms';
import { startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(300_000);

const usd = (amount: string) => parseUnits(amount, 6);

describe('market: derivatives', () => {
  let services: TestServices;
  let owner: Market;
  let trainer: Market;
  let stranger: Market;
  /** Open to AI training, 10 % of every derivative's sales. */
  let training: bigint;
  /** Reciprocal, no AI training, 5 %. */
  let remix: bigint;
  /** Licensed to nobody's derivatives. */
  let closed: bigint;
  /** Non-commercial but not reciprocal: its derivatives may keep any terms but commercial use. */
  let nonCommercial: bigint;

  const file = (name: string, text: string) => {
    const target = path.join(services.home, name);
    writeFileSync(target, text);
    return target;
  };
  const terms = (request: Omit<TermsRequest, 'downloadPrice' | 'computePrice'>, price = '1'): TermsRequest => ({ downloadPrice: usd(price).toString(), computePrice: '0', ...request });

  /** Publishes through the action itself, recording every step that would store, seal, sign or send. */
  async function publishWatched(market: Market, name: string, input: PublishInput) {
    const port = market.port();
    const steps: string[] = [];
    const nonce = () => market.publicClient.getTransactionCount({ address: port.account });
    const before = await nonce();
    const watched = {
      ...port,
      upload: (ciphertext: AsyncIterable<Uint8Array>, size: number) => (steps.push('upload'), port.upload(ciphertext, size)),
      sealKey: (key: Uint8Array, id: bigint) => (steps.push('seal'), port.sealKey(key, id)),
      storeDocument: (document: Parameters<typeof port.storeDocument>[0]) => (steps.push('sign'), port.storeDocument(document)),
      send: (action: string, request: Parameters<typeof port.send>[1]) => (steps.push(`send ${request.functionName}`), port.send(action, request)),
    };
    let result: PublishResult | undefined;
    let error: unknown;
    try {
      result = await publish(watched, fileSource(file(name, `${name}\n1,2,3\n`)), input);
    } catch (caught) {
      error = caught;
    }
    return { result, error, steps, transactions: (await nonce()) - before };
  }

  beforeAll(async () => {
    services = await startTestServices();
    [owner, trainer, stranger] = await Promise.all([services.market(1), services.market(2), services.market(3)]);
    const publishAs = async (market: Market, title: string, request: TermsRequest) => (await publishWatched(market, `${title}.csv`, { title, terms: request })).result!.datasetId;
    training = await publishAs(owner, 'training', terms({ preset: 'ai-training', revShareBps: 1000 }, '10'));
    remix = await publishAs(owner, 'remix', terms({ preset: 'commercial-remix', revShareBps: 500 }));
    closed = await publishAs(owner, 'closed', terms({ preset: 'commercial' }));
    nonCommercial = await publishAs(owner, 'non-commercial', terms({ preset: 'non-commercial', flags: { derivativesReciprocal: false } }));
  });
  afterAll(() => services?.stop());

  it('publishes a model of a licensed dataset with its lineage on-chain, and its sale pays the dataset’s owner 10 %', async () => {
    await trainer.buyLicence(training);
    const source = file('model.json', '{"coefficients":{"heart_rate":0.4}}\n');
    const derivation: DerivationInput = { kind: 'model', parents: [{ parentId: training }] };
    const { datasetId } = await trainer.publish(source, { title: 'Alert model', derivation }, { preset: 'commercial' }, { download: usd('20'), compute: 0n });

    const lineage = await readDerivation({ publicClient: trainer.publicClient, deployments: trainer.deployments }, datasetId);
    expect(lineage).toEqual({
      assetId: datasetId,
      kind: 'model',
      contentHash: `0x${createHash('sha256').update(readFileSync(source)).digest('hex')}`,
      parents: [{ parentId: training, jobId: null, bps: 1000 }],
      ancestors: [{ assetId: training, bps: 1000 }],
      keepsRights: false,
      nonCommercial: false,
    });
    // A dataset published without a derivation is one of no lineage, as before.
    expect(await readDerivation({ publicClient: owner.publicClient, deployments: owner.deployments }, training)).toMatchObject({ kind: 'dataset', contentHash: null, parents: [], ancestors: [] });

    const { marketplace } = contractsOf(owner.deployments);
    const credit = () => owner.publicClient.readContract({ ...marketplace, functionName: 'withdrawable', args: [owner.deployments.stablecoin.address, owner.account!.address] });
    const before = await credit();
    await stranger.buyLicence(datasetId);
    // 20 dUSD less the market's 2.5 % is 19.5 dUSD, of which the dataset's owner takes 10 %.
    expect((await credit()) - before).toBe(usd('1.95'));
  });

  it('derives a dataset from a reciprocal parent only under the parent’s own licence, which then binds it', async () => {
    await trainer.buyLicence(remix);
    const derivation: DerivationInput = { kind: 'dataset', parents: [{ parentId: remix }] };
    const refused = await publishWatched(trainer, 'remixed.csv', { title: 'Remixed', derivation, terms: terms({ preset: 'ai-training' }) });
    expect(refused.error).toBeInstanceOf(DerivationRefusedError);
    expect(refused.error).toMatchObject({ rule: 'ReciprocalTermsRequired', hint: 'publish under the same licence (--licence commercial-remix --rev-share-bps 500)' });
    expect(refused).toMatchObject({ steps: [], transactions: 0 });

    const kept = await publishWatched(trainer, 'remixed.csv', { title: 'Remixed', derivation, terms: terms({ preset: 'commercial-remix', revShareBps: 500 }, '3') });
    expect(kept.steps.filter((step) => step.startsWith('send publish'))).toEqual(['send publishAsset']);
    const lineage = await readDerivation({ publicClient: trainer.publicClient, deployments: trainer.deployments }, kept.result!.datasetId);
    expect(lineage).toMatchObject({ kind: 'dataset', parents: [{ parentId: remix, jobId: null, bps: 500 }], keepsRights: true, nonCommercial: false });
  });

  it.each([
    ['a model of data that forbids AI training', () => ({ kind: 'model', parents: [{ parentId: remix }] }), 'TrainingNotAllowed', /licence of dataset \d+ \(commercial-remix\) does not allow AI training/],
    ['a derivative of data that forbids derivatives', () => ({ kind: 'dataset', parents: [{ parentId: closed }] }), 'DerivativesNotAllowed', /does not allow derivatives/],
    ['a derivative of data the account never licensed', () => ({ kind: 'dataset', parents: [{ parentId: nonCommercial }] }), 'NotLicensed', /neither owns dataset \d+ nor holds a valid licence to it/],
    ['a parent named twice', () => ({ kind: 'model', parents: [{ parentId: training }, { parentId: training }] }), 'ParentsNotAscending', /is named twice as a parent/],
  ] as const)('refuses %s before anything is uploaded, signed or sent', async (_label, derivation, rule, message) => {
    const refused = await publishWatched(stranger, 'refused.csv', { title: 'Refused', derivation: derivation() as DerivationInput, terms: terms({ preset: 'commercial' }) });
    expect(refused.error).toBeInstanceOf(DerivationRefusedError);
    expect(refused.error).toMatchObject({ rule, message: expect.stringMatching(message) });
    expect(refused).toMatchObject({ steps: [], transactions: 0 });
  });

  it('refuses commercial use of a non-commercial parent’s derivative, shares over 100 % and an unknown parent', async () => {
    await trainer.buyLicence(nonCommercial);
    const commercial = await publishWatched(trainer, 'sold.csv', { title: 'Sold', derivation: { kind: 'dataset', parents: [{ parentId: nonCommercial }] }, terms: terms({ preset: 'commercial' }) });
    expect(commercial.error).toMatchObject({ rule: 'CommercialUseNotAllowed', hint: expect.stringContaining('--licence non-commercial') });

    // Two parents taking 60 % each: no sale could pay them both.
    // One after the other: one account's publications each reserve an id and send from the same nonce sequence.
    const greedy: bigint[] = [];
    for (const name of ['a', 'b']) greedy.push((await publishWatched(trainer, `greedy-${name}.csv`, { title: name, terms: terms({ preset: 'ai-training', revShareBps: 6000 }) })).result!.datasetId);
    const over = await publishWatched(trainer, 'over.json', { title: 'Over', derivation: { kind: 'model', parents: greedy.map((parentId) => ({ parentId })) }, terms: terms({ preset: 'commercial' }) });
    expect(over.error).toMatchObject({ rule: 'RoyaltiesOverAll', message: "its ancestors' revenue shares would add up to 120 %, over 100 %" });

    const unknown = await publishWatched(trainer, 'orphan.csv', { title: 'Orphan', derivation: { kind: 'dataset', parents: [{ parentId: 999n }] }, terms: terms({ preset: 'commercial' }) });
    expect(unknown.error).toBeInstanceOf(DatasetNotFoundError);
    for (const refused of [commercial, over, unknown]) expect(refused).toMatchObject({ steps: [], transactions: 0 });
  });
});
