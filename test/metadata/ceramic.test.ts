/**
 * The Ceramic metadata adapter against a real js-ceramic node (network inmemory, see scripts/ceramic-node) and
 * the rest of the real market: anvil with the contracts, the Helia node, the key network. The same SDK, indexer
 * and CLI run unchanged on top of it; only DATAGORA_METADATA says where documents live.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseUnits, type Address } from 'viem';
import { errorResponse } from '@/lib/web/responses';
import { datasetRegistryAbi } from '@/lib/contracts';
import { Indexer } from '@/lib/indexer/indexer';
import { parseSearchParams, searchDatasets } from '@/lib/indexer/search';
import { Market } from '@/lib/market';
import {
  CeramicMetadataStore,
  CeramicUnavailableError,
  DAG_JOSE_CODEC,
  firstVersionCid,
  InvalidDocumentError,
  MetadataGrantError,
  MetadataSignatureError,
  metadataPointer,
  parseCid,
  pkhDid,
  type DatasetDocument,
  type MetadataDomain,
} from '@/lib/metadata';
import { startCeramicNode, type CeramicNode } from '../helpers/ceramic';
import { freshDatabase, type TestDatabase } from '../helpers/database';
import { runCli } from '../helpers/processes';
import { cliEnv, startTestServices, type TestServices } from '../helpers/services';

jest.setTimeout(300_000);

const usd = (amount: string) => parseUnits(amount, 6);
const OWNER = 1;
const BUYER = 2;
const STRANGER = 3;

let node: CeramicNode;
let services: TestServices;
let owner: Market;
let buyer: Market;
let domain: MetadataDomain;
/** A store as the SDK opens it: streams found through the registry's DatasetPublished events. */
let store: CeramicMetadataStore;
let source: string;
let datasetId: bigint;

beforeAll(async () => {
  node = await startCeramicNode();
  services = await startTestServices({ env: { DATAGORA_METADATA: 'ceramic', DATAGORA_CERAMIC_URL: node.url } });
  [owner, buyer] = await Promise.all([services.market(OWNER), services.market(BUYER)]);
  const { deployments, publicClient } = services.chain;
  domain = { chainId: deployments.chainId, registry: deployments.contracts.datasetRegistry };
  store = new CeramicMetadataStore({ url: node.url, siweDomain: services.config.siweDomain, origin: (id) => firstVersionCid({ publicClient, deployments }, id) });
  source = path.join(services.home, 'tides.csv');
  writeFileSync(source, 'harbour,height_m\nBrest,6.1\nCadiz,2.4\nBergen,1.7\n');
}, 1_200_000);

afterAll(async () => {
  await services?.stop();
  await node?.stop();
});

async function anchored(id: bigint): Promise<{ codec: number; digest: string; version: number }> {
  const dataset = await services.chain.publicClient.readContract({ address: domain.registry, abi: datasetRegistryAbi, functionName: 'getDataset', args: [id] });
  return { codec: dataset.metadataCodec, digest: dataset.metadataDigest, version: dataset.version };
}

it('publishes on Ceramic: version 1 is the genesis commit of a stream the owner controls, anchored in the registry', async () => {
  const published = await owner.publish(source, { title: 'Tide heights', tags: ['tides'] }, { preset: 'commercial' }, { download: usd('3'), compute: 0n });
  datasetId = published.datasetId;
  const cid = published.metadataCid;
  expect(parseCid(cid)?.codec).toBe(DAG_JOSE_CODEC);
  expect(await anchored(datasetId)).toEqual({ ...metadataPointer(cid), version: 1 });
  // The stream id is the genesis commit, which the registry's DatasetPublished event names.
  expect(await firstVersionCid(services.chain, datasetId)).toBe(cid);

  const signed = await store.get(cid, domain, datasetId);
  expect(signed.document).toMatchObject({ datasetId: datasetId.toString(), version: 1, previous: null, title: 'Tide heights', rowCount: 3 });
  expect(signed.signer).toBe(services.account(OWNER).address);

  // Everything above the store is unchanged: listing, buying and downloading the exact bytes.
  const listed = await buyer.listDatasets();
  expect(listed.find((d) => d.id === datasetId)).toMatchObject({ signedByOwner: true, metadataCid: cid, document: { title: 'Tide heights' } });
  await buyer.buyLicence(datasetId);
  const target = path.join(services.home, 'tides-bought.csv');
  const download = await buyer.download(datasetId, target);
  expect(download.sha256).toBe(createHash('sha256').update(readFileSync(source)).digest('hex'));
});

it('updates as a new commit of the same stream; loads each version at its commit; history comes from the commits', async () => {
  const v1 = (await owner.getDataset(datasetId)).metadataCid;
  const updated = await owner.updateMetadata(datasetId, { title: 'Tide heights, three harbours', description: 'Spring tides, 2026' });
  expect(updated.version).toBe(2);
  expect(parseCid(updated.metadataCid)?.codec).toBe(DAG_JOSE_CODEC);
  expect(await anchored(datasetId)).toEqual({ ...metadataPointer(updated.metadataCid), version: 2 });

  const details = await owner.getDataset(datasetId);
  expect(details.document).toMatchObject({ version: 2, previous: v1, title: 'Tide heights, three harbours' });
  expect(details.history.map((h) => [h.version, h.metadataCid])).toEqual([
    [1, v1],
    [2, updated.metadataCid],
  ]);

  // Loading at a commit gives that version, not the stream's latest.
  expect((await store.get(v1, domain, datasetId)).document.title).toBe('Tide heights');
  expect((await store.get(updated.metadataCid, domain, datasetId)).document.title).toBe('Tide heights, three harbours');

  const history = await store.history(datasetId, domain);
  expect(history.map((version) => [version.cid, version.signed.document.version, version.signed.document.title])).toEqual([
    [v1, 1, 'Tide heights'],
    [updated.metadataCid, 2, 'Tide heights, three harbours'],
  ]);
});

it('the indexer and the CLI read Ceramic documents unchanged', async () => {
  let database: TestDatabase | undefined;
  let indexer: Indexer | undefined;
  try {
    database = await freshDatabase('pglite');
    indexer = await Indexer.open({ ...services.config, indexer: { ...services.config.indexer, database: database.config, confirmations: 0 } });
    await indexer.catchUp();
    const found = await searchDatasets(indexer.database, parseSearchParams(new URLSearchParams({ q: 'harbours' })), indexer.context);
    expect(found.items.map((d) => [d.id, d.title])).toEqual([[datasetId.toString(), 'Tide heights, three harbours']]);
  } finally {
    await indexer?.stop();
    await database?.drop();
  }

  const run = runCli(['show', datasetId.toString()], cliEnv(services.config));
  expect(await run.exit).toBe(0);
  expect(run.output()).toContain('Tide heights, three harbours');
});

it('rejects a document that breaks the schema, in the store and on the node (the model holds the schema)', async () => {
  const current = (await store.get((await owner.getDataset(datasetId)).metadataCid, domain, datasetId)).document;
  const broken = { ...current, version: 3, title: '   ' } as DatasetDocument;
  await expect(store.put(broken, services.account(OWNER), domain)).rejects.toThrow(InvalidDocumentError);

  // Past our own check, the node refuses content its model's JSON schema rejects.
  const signed = await store.get((await owner.getDataset(datasetId)).metadataCid, domain, datasetId);
  const { ModelInstanceDocument } = await import('@ceramicnetwork/stream-model-instance');
  const { CeramicClient } = await import('@ceramicnetwork/http-client');
  const ceramic = new CeramicClient(node.url);
  const session = await ownerSession(OWNER);
  await expect(
    ModelInstanceDocument.create(ceramic, { ...signed, document: { ...signed.document, size: 'large' } }, { controller: session.parent, model: await store.model() }, { asDID: session }),
  ).rejects.toThrow(/schema|validation|must be integer/i);
});

it("rejects a document in a stream someone else controls, and refuses a stranger's update to the owner's stream", async () => {
  // A stranger copies the owner's signed document into a stream of their own: Datagora's verification
  // refuses it, since the stream's controller is not the document's signer.
  const signed = await store.get((await owner.getDataset(datasetId)).metadataCid, domain, datasetId);
  const { ModelInstanceDocument } = await import('@ceramicnetwork/stream-model-instance');
  const { CeramicClient } = await import('@ceramicnetwork/http-client');
  const ceramic = new CeramicClient(node.url);
  const stranger = await ownerSession(STRANGER);
  const copy = await ModelInstanceDocument.create(ceramic, signed, { controller: stranger.parent, model: await store.model() }, { asDID: stranger });
  const copyCid = copy.tip.toString();
  const reader = new CeramicMetadataStore({ url: node.url, siweDomain: services.config.siweDomain, origin: async () => copyCid });
  const error = await reader.get(copyCid, domain, datasetId).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MetadataSignatureError);
  expect((error as Error).message).toContain(`controlled by ${pkhDid(domain.chainId, services.account(STRANGER).address)}`);

  // The node itself refuses a commit to the owner's stream signed by anyone but its controller.
  const { StreamID } = await import('@ceramicnetwork/streamid');
  const ownerStream = await ModelInstanceDocument.load(ceramic, new StreamID('MID', await firstVersionCid(services.chain, datasetId)));
  await expect(ownerStream.replace({ ...signed, document: { ...signed.document, title: 'Hijacked' } }, undefined, { asDID: stranger })).rejects.toThrow();

  // The stranger's own signed version for this dataset cannot go into the owner's stream through the store.
  const theirs = { ...signed.document, version: signed.document.version + 1, previous: (await owner.getDataset(datasetId)).metadataCid, publisher: services.account(STRANGER).address as Address, title: 'Hijacked' };
  await expect(store.put(theirs, services.account(STRANGER), domain)).rejects.toThrow(MetadataSignatureError);
  // Nor can a grant signed for one account carry another's document.
  const message = await store.grantRequest(services.account(STRANGER).address, domain);
  const grant = { message, signature: await services.account(STRANGER).signMessage({ message }) };
  await expect(store.putSigned(signed, domain, grant)).rejects.toThrow(MetadataGrantError);
  // A grant whose text was changed after signing (a longer session) does not verify.
  const ownerMessage = await store.grantRequest(services.account(OWNER).address, domain);
  const ownerGrant = { message: ownerMessage, signature: await services.account(OWNER).signMessage({ message: ownerMessage }) };
  const stretched = { ...ownerGrant, message: ownerMessage.replace(/Expiration Time: \d{4}/, 'Expiration Time: 2099') };
  await expect(store.putSigned(signed, domain, stretched)).rejects.toThrow(/does not verify/);
  expect((await owner.getDataset(datasetId)).document.title).toBe('Tide heights, three harbours');
});

it('a Ceramic node that is down gives a typed error', async () => {
  const down = new CeramicMetadataStore({ url: 'http://127.0.0.1:9', siweDomain: services.config.siweDomain, origin: async () => '' });
  await expect(down.model()).rejects.toThrow(CeramicUnavailableError);
  await expect(down.health()).rejects.toThrow(CeramicUnavailableError);
  // The web API answers it as a service that is down, not as bad input.
  const response = errorResponse(await down.model().catch((error: unknown) => error));
  expect(response.status).toBe(503);
});

/** A write session for dev account `index`, as the store makes one: a SIWE-signed CACAO for a session key. */
async function ownerSession(index: number) {
  const { DID } = await import('dids');
  const { Ed25519Provider } = await import('key-did-provider-ed25519');
  const { getResolver } = await import('key-did-resolver');
  const { SiweMessage, Cacao } = await import('@didtools/cacao');
  const key = new DID({ provider: new Ed25519Provider(randomBytes(32)), resolver: getResolver() });
  await key.authenticate();
  const account = services.account(index);
  const siwe = new SiweMessage({
    domain: services.config.siweDomain,
    address: account.address,
    uri: key.id,
    version: '1',
    nonce: randomBytes(8).toString('hex'),
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 3_600_000).toISOString(),
    chainId: String(domain.chainId),
    resources: [`ceramic://*?model=${(await store.model()).toString()}`],
  });
  siwe.signature = await account.signMessage({ message: siwe.signMessage() });
  const session = key.withCapability(Cacao.fromSiweMessage(siwe));
  await session.authenticate();
  return session;
}
