/** A realistic dataset document and an in-memory block store that names blocks with real CIDs (multiformats). */
import type { Address } from 'viem';
import { ciphertextSize, ENCRYPTION_SCHEME } from '@/lib/crypto';
import type { BlockStore, DatasetDocument } from '@/lib/metadata';

/** CIDv1 dag-json sha2-256 of `bytes`, computed by multiformats itself. */
export async function referenceCid(bytes: Uint8Array): Promise<string> {
  // One at a time: jest's ESM loader fails ("not in cache") when imports sharing modules run concurrently.
  const { CID } = await import('multiformats/cid');
  const { sha256 } = await import('multiformats/hashes/sha2');
  const dagJson = await import('@ipld/dag-json');
  return CID.create(1, dagJson.code, await sha256.digest(bytes)).toString();
}

/** Blocks in a Map, keyed by the CID multiformats computes. */
export class MemoryBlockStore implements BlockStore {
  readonly blocks = new Map<string, Uint8Array>();

  async putBlock(bytes: Uint8Array, codec: 'dag-json'): Promise<string> {
    if (codec !== 'dag-json') throw new Error(`unsupported codec ${String(codec)}`);
    const cid = await referenceCid(bytes);
    this.blocks.set(cid, Uint8Array.from(bytes));
    return cid;
  }

  async getBlock(cid: string): Promise<Uint8Array> {
    const block = this.blocks.get(cid);
    if (!block) throw new Error(`block ${cid} not found`);
    return block;
  }
}

const SIZE = 1_234_567;
const CHUNK = 1 << 20;

/** A version-1 document as the publish flow writes it, published by `publisher`. */
export function sampleDocument(publisher: Address, overrides: Partial<DatasetDocument> = {}): DatasetDocument {
  return {
    datasetId: '1',
    version: 1,
    previous: null,
    publisher,
    title: 'Berlin air quality, hourly, 2025',
    description: 'PM2.5, PM10 and NO₂ from 42 stations, one row per station and hour.',
    tags: ['air-quality', 'berlin', 'timeseries'],
    format: 'csv',
    columns: [
      { name: 'station', type: 'string' },
      { name: 'hour', type: 'string', description: 'ISO 8601, UTC' },
      { name: 'pm25', type: 'number' },
    ],
    size: SIZE,
    rowCount: 367_920,
    preview: { format: 'csv', content: 'station,hour,pm25\nMitte,2025-01-01T00:00Z,12.5\n' },
    termsId: '1',
    content: { cid: 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', size: ciphertextSize(SIZE, CHUNK), chunkSize: CHUNK, encryption: ENCRYPTION_SCHEME },
    plaintextSha256: 'a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447',
    key: {
      network: 'local',
      ciphertext: 'kXz3QmFpY2lwaGVydGV4dC1vZi1hLTMyLWJ5dGUta2V5',
      dataToEncryptHash: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      chain: 'ethereum',
      evmContractConditions: [
        {
          contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
          chain: 'ethereum',
          functionName: 'hasAccess',
          functionParams: ['1', ':userAddress'],
          functionAbi: { name: 'hasAccess', type: 'function', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'bool' }] },
          returnValueTest: { key: '', comparator: '=', value: 'true' },
        },
      ],
    },
    createdAt: '2026-11-23T12:00:00.000Z',
    updatedAt: '2026-11-23T12:00:00.000Z',
    ...overrides,
  };
}
