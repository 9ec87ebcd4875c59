import { devAccount } from '@/lib/chain';
import { DatagoraError } from '@/lib/errors';
import {
  cidFromPointer,
  DAG_JSON_CODEC,
  documentHash,
  InvalidDocumentError,
  IpfsMetadataStore,
  MalformedMetadataError,
  MetadataCidError,
  MetadataSignatureError,
  MetadataStoreError,
  SIGNED_DATASET_FORMAT,
  type BlockStore,
  type DatasetDocument,
  type SignedDataset,
} from '@/lib/metadata';
import { signatureOver } from '../helpers/signing';
import { MemoryBlockStore, referenceCid, sampleDocument } from './fixtures';

const publisher = devAccount(1);
const stranger = devAccount(2);
const domain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const;

let dagJson: typeof import('@ipld/dag-json');
beforeAll(async () => {
  dagJson = await import('@ipld/dag-json');
});

/** Stores `value` as a raw DAG-JSON block, bypassing the metadata store's signing. */
async function storeRaw(blocks: MemoryBlockStore, value: unknown): Promise<string> {
  return blocks.putBlock(dagJson.encode(value), 'dag-json');
}

async function rejection(promise: Promise<unknown>): Promise<DatagoraError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DatagoraError) return error;
    throw error;
  }
  throw new Error('it resolved');
}

describe('IpfsMetadataStore', () => {
  let blocks: MemoryBlockStore;
  let store: IpfsMetadataStore;
  let cid: string;
  let signed: SignedDataset;
  const document = sampleDocument(publisher.address);

  beforeEach(async () => {
    blocks = new MemoryBlockStore();
    store = new IpfsMetadataStore(blocks);
    ({ cid, signed } = await store.put(document, publisher, domain));
  });

  it('signs and stores a self-describing block under its dag-json CID', async () => {
    expect(store.kind).toBe('ipfs');
    const bytes = await blocks.getBlock(cid);
    expect(await referenceCid(bytes)).toBe(cid);
    expect(dagJson.decode(bytes)).toEqual({
      format: SIGNED_DATASET_FORMAT,
      document,
      domain: { name: 'Datagora', version: '1', chainId: 31337, verifyingContract: domain.registry },
      signer: publisher.address,
      signature: signed.signature,
    });
  });

  it('gets the document back verified', async () => {
    expect(await store.get(cid, domain)).toStrictEqual(signed);
    expect(signed.document).toEqual(document);
  });

  it('hashes documents canonically: field order and absent optional fields do not matter', async () => {
    const reordered = Object.fromEntries(Object.entries(document).reverse()) as DatasetDocument;
    expect(await documentHash(reordered)).toBe(await documentHash(document));
    const withUndefined = { ...document, rowCount: undefined, description: undefined };
    const { rowCount: _r, description: _d, ...without } = document;
    expect(await documentHash(withUndefined)).toBe(await documentHash(without));
    // What put returns is exactly what get reads back.
    const stored = await store.put(withUndefined, publisher, domain);
    expect('rowCount' in stored.signed.document).toBe(false);
    expect(await store.get(stored.cid, domain)).toStrictEqual(stored.signed);
  });

  it('rejects a tampered document (changed title) re-stored under its new CID', async () => {
    const tampered = await storeRaw(blocks, { ...signed, document: { ...document, title: 'Berlin air quality, minute by minute' } });
    const error = await rejection(store.get(tampered, domain));
    expect(error).toBeInstanceOf(MetadataSignatureError);
    expect(error.message).toMatch(/altered/);
  });

  it('rejects a signature by another account', async () => {
    const byStranger = await storeRaw(blocks, { ...signed, signature: await signatureOver(stranger, document, domain) });
    expect(await rejection(store.get(byStranger, domain))).toBeInstanceOf(MetadataSignatureError);
    // Nor may the stranger sign as itself for the publisher's document.
    const asStranger = await storeRaw(blocks, { ...signed, signer: stranger.address, signature: await signatureOver(stranger, document, domain) });
    const error = await rejection(store.get(asStranger, domain));
    expect(error).toBeInstanceOf(MetadataSignatureError);
    expect(error.message).toContain(`is not the publisher ${publisher.address}`);
  });

  it('rejects a document signed for another chain or registry', async () => {
    expect(await rejection(store.get(cid, { ...domain, chainId: 1 }))).toBeInstanceOf(MetadataSignatureError);
    const error = await rejection(store.get(cid, { ...domain, registry: stranger.address }));
    expect(error).toBeInstanceOf(MetadataSignatureError);
    expect(error.message).toContain('signed for registry');
  });

  it('rejects bytes that do not hash to the CID they were served for', async () => {
    const bytes = await blocks.getBlock(cid);
    blocks.blocks.set(cid, dagJson.encode({ ...dagJson.decode<SignedDataset>(bytes), signer: stranger.address }));
    const error = await rejection(store.get(cid, domain));
    expect(error).toBeInstanceOf(MalformedMetadataError);
    expect(error.message).toContain('does not hash to its CID');
  });

  it('rejects blocks that are not signed dataset documents, saying why', async () => {
    const notJson = await blocks.putBlock(new TextEncoder().encode('{"title": '), 'dag-json');
    expect((await rejection(store.get(notJson, domain))).message).toMatch(/not DAG-JSON/);
    const badDocument = await storeRaw(blocks, { ...signed, document: { ...document, size: -1 } });
    const error = await rejection(store.get(badDocument, domain));
    expect(error).toBeInstanceOf(MalformedMetadataError);
    expect(error.message).toContain('document.size');
    const otherFormat = await storeRaw(blocks, { ...signed, format: 'something/else' });
    expect((await rejection(store.get(otherFormat, domain))).message).toContain('format');
  });

  it('reports an unknown CID, and one that cannot name a document', async () => {
    const unknown = cidFromPointer({ codec: DAG_JSON_CODEC, digest: `0x${'42'.repeat(32)}` });
    const error = await rejection(store.get(unknown, domain));
    expect(error).toBeInstanceOf(MetadataStoreError);
    expect(error.message).toContain('not found');
    expect(await rejection(store.get('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', domain))).toBeInstanceOf(MetadataCidError);
    expect(await rejection(store.get('not-a-cid', domain))).toBeInstanceOf(MetadataCidError);
  });

  it('refuses to sign an invalid document, or one naming another publisher', async () => {
    const invalid = await rejection(store.put({ ...document, title: '' }, publisher, domain));
    expect(invalid).toBeInstanceOf(InvalidDocumentError);
    expect(invalid.message).toContain('title');
    const foreign = await rejection(store.put(document, stranger, domain));
    expect(foreign).toBeInstanceOf(InvalidDocumentError);
    expect(foreign.message).toContain('is not the signing account');
  });

  it('refuses a store that answers with another CID than the block has', async () => {
    const lying: BlockStore = { putBlock: async () => 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', getBlock: (c) => blocks.getBlock(c) };
    const error = await rejection(new IpfsMetadataStore(lying).put(document, publisher, domain));
    expect(error).toBeInstanceOf(MetadataStoreError);
    expect(error.message).toContain('answered');
  });
});
