import fc from 'fast-check';
import { bytesToHex } from 'viem';
import { cidFromPointer, DAG_JOSE_CODEC, DAG_JSON_CODEC, isCid, isMetadataCid, MetadataCidError, metadataPointer } from '@/lib/metadata';

type Multiformats = {
  CID: typeof import('multiformats/cid').CID;
  create: typeof import('multiformats/hashes/digest').create;
  sha512: typeof import('multiformats/hashes/sha2').sha512;
};
let mf: Multiformats;

beforeAll(async () => {
  // One at a time: jest's ESM loader fails ("not in cache") when imports sharing modules run concurrently.
  const { CID } = await import('multiformats/cid');
  const { create } = await import('multiformats/hashes/digest');
  const { sha512 } = await import('multiformats/hashes/sha2');
  mf = { CID, create, sha512 };
});

/** multiformats' own base32 string for a CIDv1 with a sha2-256 digest. */
const referenceCid = (codec: number, digest: Uint8Array) => mf.CID.create(1, codec, mf.create(0x12, digest)).toString();

const codecs = fc.oneof(fc.constantFrom(0x55, 0x70, 0x71, DAG_JSON_CODEC, 0x85, 0x0200), fc.integer({ min: 1, max: 0xffff_ffff }));
const digests = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((digest) => digest.some((byte) => byte !== 0));

describe('metadataPointer / cidFromPointer', () => {
  it('match multiformats for any codec and digest, both ways', () => {
    fc.assert(
      fc.property(codecs, digests, (codec, digest) => {
        const cid = referenceCid(codec, digest);
        const pointer = metadataPointer(cid);
        expect(pointer).toEqual({ codec, digest: bytesToHex(digest) });
        expect(cidFromPointer(pointer)).toBe(cid);
        expect(mf.CID.parse(cidFromPointer(pointer)).equals(mf.CID.parse(cid))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('read a known raw-leaf CID ("hello world\\n")', () => {
    const cid = 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4';
    expect(metadataPointer(cid)).toEqual({ codec: 0x55, digest: '0xa948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447' });
  });

  it('accept an upper-case digest from a caller', () => {
    const digest = `0x${'AB'.repeat(32)}` as const;
    expect(metadataPointer(cidFromPointer({ codec: DAG_JSON_CODEC, digest })).digest).toBe(digest.toLowerCase());
  });

  it.each([
    ['a CIDv0', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 'not a base32 CIDv1'],
    ['garbage', 'hello', 'not a base32 CIDv1'],
    ['upper-case base32', 'BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4', 'not a base32 CIDv1'],
    ['a truncated CID', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei', 'not a base32 CIDv1'],
    ['non-zero padding bits', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei5', 'not a base32 CIDv1'],
  ])('reject %s', (_case, cid, message) => {
    expect(() => metadataPointer(cid)).toThrow(MetadataCidError);
    expect(() => metadataPointer(cid)).toThrow(message);
  });

  it('reject a CID whose multihash is not sha2-256', async () => {
    const cid = mf.CID.create(1, DAG_JSON_CODEC, await mf.sha512.digest(new Uint8Array([1]))).toString();
    expect(() => metadataPointer(cid)).toThrow('not sha2-256');
  });

  it.each([
    ['the empty pointer of an unknown dataset', { codec: 0, digest: `0x${'00'.repeat(32)}` as const }],
    ['a zero digest', { codec: DAG_JSON_CODEC, digest: `0x${'00'.repeat(32)}` as const }],
    ['a codec beyond uint32', { codec: 2 ** 32, digest: `0x${'11'.repeat(32)}` as const }],
    ['a short digest', { codec: DAG_JSON_CODEC, digest: '0x1234' as const }],
  ])('cidFromPointer rejects %s', (_case, pointer) => {
    expect(() => cidFromPointer(pointer)).toThrow(MetadataCidError);
  });
});

describe('isMetadataCid / isCid', () => {
  it('tell metadata CIDs from content CIDs', () => {
    const digest = new Uint8Array(32).fill(7);
    expect(isMetadataCid(referenceCid(DAG_JSON_CODEC, digest))).toBe(true);
    expect(isMetadataCid(referenceCid(DAG_JOSE_CODEC, digest))).toBe(true);
    expect(isMetadataCid(referenceCid(0x55, digest))).toBe(false);
    expect(isCid(referenceCid(0x55, digest))).toBe(true);
    expect(isCid('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')).toBe(true);
    expect(isCid('ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')).toBe(false);
  });
});
