/**
 * Hostile input for tests. fast-check arbitraries for the strings that break naive storage, search and
 * display — NUL and other control characters, bidi overrides, lone surrogates, emoji, HTML and injection
 * snippets, very long text, deeply nested JSON — and an attacker's way onto the market: sign any document with
 * its own key (no schema check), store the block, anchor it on the registry; and an honest owner's, through
 * the SDK's metadata store.
 */
import fc from 'fast-check';
import type { LocalAccount } from 'viem';
import { devAccount } from '@/lib/chain';
import { contractsOf, type LicenceTerms } from '@/lib/contracts';
import { eip712Domain, IpfsMetadataStore, metadataPointer, SIGNED_DATASET_FORMAT, type BlockStore, type DatasetDocument, type MetadataDomain } from '@/lib/metadata';
import { encodeDagJson } from '@/lib/metadata/dag-json';
import { reserveDatasetId } from '../contracts/fixture';
import { mined } from './compute';
import type { TestMarket } from './market';
import { signatureOver } from './signing';

const char = (code: number) => String.fromCharCode(code);

/** C0 controls (NUL included), DEL and C1 controls. */
export const controlCharacter = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map(char);

/** Bidirectional overrides, embeddings, isolates and marks (U+202E turns "gpj.exe" around). */
export const bidiControl = fc.constantFrom('\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C');

/** One UTF-16 half without its other half: not Unicode, and not storable in Postgres JSON. */
export const loneSurrogate = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map(char);

/** Emoji and other text that is more than one code unit per character: ZWJ sequences, flags, combining marks, BOM. */
export const emoji = fc.constantFrom('😀', '👩‍💻', '🏳️‍🌈', '🇩🇪', '💩', 'e\u0301', '\uFEFF', '\u200B', '𝕏', 'ﷺ', 'Ⅻ', 'ß');

/** Markup and injection attempts: HTML, SQL, template and format strings, tsquery operators. */
export const injection = fc.constantFrom(
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '&lt;&amp;&#0;',
  "'; drop table datasets; --",
  '{{constructor.constructor("alert(1)")()}}',
  '${process.exit(1)}',
  '%s%n%x',
  '\\u0000',
  '%00',
  "a & b | !c <-> d:* 'e'",
  '__proto__',
);

/** Any mix of the above with ordinary and random text (up to `maxPieces` pieces). */
export function nastyString(options: { minPieces?: number; maxPieces?: number } = {}): fc.Arbitrary<string> {
  const piece = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), controlCharacter, bidiControl, loneSurrogate, emoji, injection);
  return fc.array(piece, { minLength: options.minPieces ?? 1, maxLength: options.maxPieces ?? 8 }).map((pieces) => pieces.join(''));
}

/** A string of `length` copies of one (possibly multi-unit or hostile) character. */
export function longString(length: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '\u202E', ' '), length).map(([unit, count]) => unit.repeat(count));
}

/** `[[[…]]]` nested `depth` levels deep, built without recursion so any depth can be made. */
export function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** The UTF-16 lone surrogates in `text`, if any (a high half followed by a low half is a pair, not lone). */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** True when `text` holds nothing a terminal, a page or a log would act on: no controls, bidi controls or lone surrogates. */
export function isPrintable(text: string): boolean {
  return !/[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(text) && !hasLoneSurrogate(text);
}

/** Text for any string field: mostly a nasty mix, sometimes one character repeated up to 20,000 times. */
export const hostileText = fc.oneof({ weight: 4, arbitrary: nastyString() }, { weight: 1, arbitrary: longString(fc.integer({ min: 100, max: 20_000 })) });

/** Values for a free-form JSON field: nested arrays up to 1,500 deep (DAG-JSON encodes about 2,000), or hostile keys and strings. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(fc.integer({ min: 1, max: 1_500 }).map(nestedArrays), fc.dictionary(nastyString(), fc.oneof(hostileText, fc.constant(null)), { minKeys: 1, maxKeys: 3 }));

/** One field of a dataset document replaced (a dotted path), or a key of any name added at the top, and its value. */
export type DocumentEdit = { path: string; value: unknown } | { addKey: string; value: unknown };

const STRING_FIELDS = ['title', 'description', 'tags.0', 'columns.0.name', 'columns.0.type', 'columns.0.description', 'preview.content', 'format', 'key.chain', 'key.ciphertext'];

/** `base` with 1 to 4 fields replaced by hostile values (kept as data, so a counterexample prints readably). */
export function hostileDocument(base: DatasetDocument): fc.Arbitrary<{ edits: DocumentEdit[]; document: Record<string, unknown> }> {
  const edit = fc.oneof(
    { weight: 6, arbitrary: fc.record({ path: fc.constantFrom(...STRING_FIELDS), value: hostileText }) },
    { weight: 2, arbitrary: fc.record({ path: fc.constant('key.evmContractConditions.0'), value: hostileJson }) },
    { weight: 1, arbitrary: fc.record({ addKey: nastyString(), value: hostileText }) },
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => ({ edits, document: applyEdits(base, edits) }));
}

function applyEdits(base: DatasetDocument, edits: DocumentEdit[]): Record<string, unknown> {
  const document = structuredClone(base) as unknown as Record<string, unknown>;
  for (const edit of edits) {
    if ('addKey' in edit) {
      document[edit.addKey] = edit.value;
      continue;
    }
    const keys = edit.path.split('.');
    let parent = document;
    for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    parent[keys.at(-1)!] = edit.value;
  }
  return document;
}

/**
 * The signed block an attacker makes for `document` with `account`: the registry's EIP-712 signature over it
 * as it is, whatever it holds. Only the fields the signature names must have their usual types.
 */
export async function signAsIs(account: LocalAccount, document: Record<string, unknown>, domain: MetadataDomain): Promise<Record<string, unknown>> {
  const signature = await signatureOver(account, document as unknown as DatasetDocument, domain);
  return { format: SIGNED_DATASET_FORMAT, document, domain: eip712Domain(domain), signer: account.address, signature };
}

/** Lists a dataset whose metadata CID names the block `bytes(datasetId)`, whatever it holds, as dev account `account`. */
export function anchorBlock(chain: TestMarket, store: BlockStore, account: number, terms: LicenceTerms | bigint, bytes: (datasetId: bigint) => Promise<Uint8Array>): Promise<Anchored> {
  return anchor(chain, account, terms, async (datasetId) => store.putBlock(await bytes(datasetId), 'dag-json'));
}

/**
 * Lists a dataset whose metadata is whatever `craft(datasetId)` returns, as dev account `account` can without
 * the SDK: signs the crafted document as is and stores its DAG-JSON block. `terms`: a registered terms id, or
 * terms registered in the same transaction.
 */
export function anchorCraftedDocument(chain: TestMarket, store: BlockStore, account: number, terms: LicenceTerms | bigint, craft: (datasetId: bigint) => Record<string, unknown>): Promise<Anchored> {
  return anchorBlock(chain, store, account, terms, async (datasetId) => encodeDagJson(await signAsIs(devAccount(account), craft(datasetId), domainOf(chain))));
}

/** Lists a dataset whose metadata is `write(datasetId)`, checked, signed and stored by the SDK's metadata store. */
export function anchorDocument(chain: TestMarket, store: BlockStore, account: number, terms: LicenceTerms | bigint, write: (datasetId: bigint) => DatasetDocument): Promise<Anchored> {
  return anchor(chain, account, terms, async (datasetId) => (await new IpfsMetadataStore(store).put(write(datasetId), devAccount(account), domainOf(chain))).cid);
}

export interface Anchored {
  datasetId: bigint;
  cid: string;
}

const domainOf = (chain: TestMarket): MetadataDomain => ({ chainId: chain.deployments.chainId, registry: chain.deployments.contracts.datasetRegistry });

/** Reserves an id for `account`, stores its metadata with `put` and publishes the CID under it. */
async function anchor(chain: TestMarket, account: number, terms: LicenceTerms | bigint, put: (datasetId: bigint) => Promise<string>): Promise<Anchored> {
  const datasetId = await reserveDatasetId(chain, account);
  const cid = await put(datasetId);
  const { registry } = contractsOf(chain.deployments);
  const wallet = chain.wallet(account);
  const pointer = metadataPointer(cid);
  await mined(
    chain.publicClient,
    typeof terms === 'bigint'
      ? wallet.writeContract({ ...registry, functionName: 'publish', args: [pointer, terms, datasetId] })
      : wallet.writeContract({ ...registry, functionName: 'publishWithTerms', args: [pointer, terms, datasetId] }),
  );
  return { datasetId, cid };
}
