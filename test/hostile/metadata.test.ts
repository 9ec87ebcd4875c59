/**
 * Hostile metadata (issue 16): generated documents that look valid but carry nasty strings in any field — NUL and
 * other controls, bidi overrides, lone surrogates, emoji, markup, long text, deep JSON in the key conditions, keys
 * of any name. The SDK's metadata store either refuses one with a typed error whose message is printable, or
 * signs and stores it and reads it back intact; a reader given the same document signed by an attacker decides the
 * same way. Raw blocks of any shape read back as a typed error, never a crash.
 */
import fc from 'fast-check';
import { devAccount } from '@/lib/chain';
import { datasetDocumentSchema, InvalidDocumentError, IpfsMetadataStore, MalformedMetadataError, MetadataSignatureError, type DatasetDocument } from '@/lib/metadata';
import { encodeDagJson, withoutUndefined } from '@/lib/metadata/dag-json';
import { hasLoneSurrogate, hostileDocument, isPrintable, nastyString, nestedArrays, signAsIs } from '../helpers/hostile';
import { MemoryBlockStore, sampleDocument } from '../metadata/fixtures';
import { FUZZ, nestedJson } from './fuzz';

const publisher = devAccount(1);
const domain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const;
const base = sampleDocument(publisher.address);

/** Every string in `value`, keys included (accepted documents are shallow). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [...(Array.isArray(value) ? [] : [key]), ...stringsOf(child)]);
}

/** The typed error `run` throws, or undefined when it returns. */
async function refusal(run: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('hostile dataset documents', () => {
  it('are refused with a typed, printable error, or stored and read back intact; writer and reader agree', async () => {
    await fc.assert(
      fc.asyncProperty(hostileDocument(base), async ({ document }) => {
        const blocks = new MemoryBlockStore();
        const store = new IpfsMetadataStore(blocks);
        const accepted = datasetDocumentSchema.safeParse(document).success;

        let cid: string | undefined;
        const refused = await refusal(async () => ({ cid } = await store.put(document as DatasetDocument, publisher, domain)));
        if (refused) {
          expect(refused).toBeInstanceOf(InvalidDocumentError);
          expect(isPrintable(refused.message)).toBe(true);
          expect(accepted).toBe(false);
        } else {
          expect(accepted).toBe(true);
          // Nothing a database cannot store or a terminal would act on: only tab and line breaks among the controls.
          for (const text of stringsOf(document)) expect(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(text) || hasLoneSurrogate(text)).toBe(false);
          expect((await store.get(cid!, domain)).document).toEqual(withoutUndefined(document));
        }

        // The attacker's way: the same document signed as is, stored, and read by anyone.
        const crafted = await blocks.putBlock(await encodeDagJson(await signAsIs(publisher, document, domain)), 'dag-json');
        const unread = await refusal(() => store.get(crafted, domain));
        expect(unread === undefined).toBe(accepted);
        if (unread) {
          expect(unread).toBeInstanceOf(MalformedMetadataError);
          expect(isPrintable(unread.message)).toBe(true);
        }
      }),
      { ...FUZZ, numRuns: 150 },
    );
  });

  it('read raw blocks of any shape as a typed, printable error', async () => {
    const blockOf = fc.oneof(
      fc.record({ json: fc.jsonValue() }),
      fc.record({ json: fc.dictionary(nastyString(), nastyString()).map((value) => ({ ...value, format: 'datagora/signed-dataset/v1' })) }),
      fc.record({ text: nastyString() }),
      fc.record({ bytes: fc.uint8Array({ maxLength: 512 }) }),
    );
    const encode = async (block: { json?: unknown; text?: string; bytes?: Uint8Array }) => {
      if (block.bytes) return block.bytes;
      if (block.text !== undefined) return new TextEncoder().encode(block.text);
      // What DAG-JSON cannot encode (-0, say) is no block anyone could store.
      return encodeDagJson(block.json).catch(() => undefined);
    };
    await fc.assert(
      fc.asyncProperty(blockOf, async (block) => {
        const bytes = await encode(block);
        if (!bytes) return;
        const blocks = new MemoryBlockStore();
        const cid = await blocks.putBlock(bytes, 'dag-json');
        const error = await refusal(() => new IpfsMetadataStore(blocks).get(cid, domain));
        expect(error).toBeDefined();
        expect([MalformedMetadataError, MetadataSignatureError].some((type) => error instanceof type)).toBe(true);
        expect(isPrintable(error!.message)).toBe(true);
      }),
      { ...FUZZ, numRuns: 200 },
    );
  });

  it('refuses a 10 MB title before signing, and reads a 10 MB block as malformed', async () => {
    const blocks = new MemoryBlockStore();
    const store = new IpfsMetadataStore(blocks);
    const title = 'x'.repeat(10 * 2 ** 20);
    const refused = await refusal(() => store.put({ ...base, title }, publisher, domain));
    expect(refused).toBeInstanceOf(InvalidDocumentError);
    expect(refused!.message).toContain('title: Too big');

    const crafted = await blocks.putBlock(await encodeDagJson(await signAsIs(publisher, { ...base, title }, domain)), 'dag-json');
    const unread = await refusal(() => store.get(crafted, domain));
    expect(unread).toBeInstanceOf(MalformedMetadataError);
    expect(unread!.message).toMatch(/the block is \d+ bytes, over the 1048576-byte limit/);
  });

  it('reads a block nested 100,000 levels deep as malformed, without overflowing the stack', async () => {
    const blocks = new MemoryBlockStore();
    const depth = 100_000;
    const cid = await blocks.putBlock(new TextEncoder().encode(nestedJson(depth)), 'dag-json');
    expect(await refusal(() => new IpfsMetadataStore(blocks).get(cid, domain))).toBeInstanceOf(MalformedMetadataError);
    // The same depth inside a signed document's key conditions: the schema's check is not recursive.
    const refused = await refusal(() => new IpfsMetadataStore(blocks).put({ ...base, key: { ...base.key, evmContractConditions: [nestedArrays(depth)] } }, publisher, domain));
    expect(refused).toBeInstanceOf(InvalidDocumentError);
    expect(refused!.message).toContain('key.evmContractConditions: must nest at most 32 levels deep');
  });
});
