/**
 * The dealer ceremony on disk: each share only in its own node's directory and readable by its owner only,
 * no single file giving the network key away, any threshold of shares recombining it, and a network that is
 * kept — never silently replaced — on the next start.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyCeremonyError } from '@/lib/access';
import { bytesToScalar, publicKeyHex, SCALAR_FIELD_ORDER, shareX } from '@/lib/access/bls';
import { ensureKeyNetwork, readNodeShare, type NetworkInfo } from '@/lib/access/ceremony';

let dir: string;
let info: NetworkInfo;

beforeEach(async () => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-ceremony-')), 'keynodes');
  info = await ensureKeyNetwork(dir, 3, 2);
});

afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

const shareFile = (index: number) => path.join(dir, `node-${index}`, 'share.json');
const shareOf = (index: number) => bytesToScalar(Buffer.from((JSON.parse(readFileSync(shareFile(index), 'utf8')) as { share: string }).share, 'hex'));

/** b^e mod r. */
function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  for (let b = base % SCALAR_FIELD_ORDER, e = exponent; e > 0n; e >>= 1n, b = (b * b) % SCALAR_FIELD_ORDER) if (e & 1n) result = (result * b) % SCALAR_FIELD_ORDER;
  return result;
}

/** The polynomial's value at 0 from the shares of `indices` (Lagrange interpolation over the scalar field). */
function recombine(indices: number[]): bigint {
  const r = SCALAR_FIELD_ORDER;
  return indices.reduce((sum, i) => {
    const xi = shareX(i);
    const weight = indices.filter((j) => j !== i).reduce((acc, j) => (acc * shareX(j) * power((((shareX(j) - xi) % r) + r) % r, r - 2n)) % r, 1n);
    return (sum + shareOf(i) * weight) % r;
  }, 0n);
}

describe('the key ceremony', () => {
  it('writes one share per node, private to its owner, and only public information beside them', () => {
    expect(readdirSync(dir).sort()).toEqual(['network.json', 'node-0', 'node-1', 'node-2']);
    for (const index of [0, 1, 2]) {
      expect(readdirSync(path.join(dir, `node-${index}`))).toEqual(['share.json']);
      expect(statSync(shareFile(index)).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, `node-${index}`)).mode & 0o777).toBe(0o700);
    }
    expect(info).toMatchObject({ nodes: 3, threshold: 2, publicKey: expect.stringMatching(/^[0-9a-f]{96}$/) });
    expect(JSON.parse(readFileSync(path.join(dir, 'network.json'), 'utf8'))).toEqual(info);
  });

  it('gives the network key away in no single share, while any two shares recombine it', () => {
    for (const index of [0, 1, 2]) {
      const share = shareOf(index);
      expect(publicKeyHex(share)).toBe(info.sharePublicKeys[index]);
      expect(publicKeyHex(share)).not.toBe(info.publicKey);
      expect(readFileSync(shareFile(index), 'utf8')).not.toContain(info.publicKey);
    }
    for (const pair of [[0, 1], [0, 2], [1, 2]]) expect(publicKeyHex(recombine(pair))).toBe(info.publicKey);
  });

  it('keeps an existing network and refuses to change its size or threshold', async () => {
    expect(await ensureKeyNetwork(dir, 3, 2)).toEqual(info);
    await expect(ensureKeyNetwork(dir, 4, 2)).rejects.toThrow(/holds a 2-of-3 key network, but the configuration asks for 2-of-4/);
    await expect(ensureKeyNetwork(dir, 3, 3)).rejects.toBeInstanceOf(KeyCeremonyError);
    expect(await ensureKeyNetwork(dir, 3, 2)).toEqual(info);
  });

  it('refuses a threshold below two or above the node count', async () => {
    const elsewhere = path.join(path.dirname(dir), 'other');
    await expect(ensureKeyNetwork(elsewhere, 3, 1)).rejects.toBeInstanceOf(KeyCeremonyError);
    await expect(ensureKeyNetwork(elsewhere, 2, 3)).rejects.toBeInstanceOf(KeyCeremonyError);
  });

  it('refuses a share file others can read, or one that belongs to another network', async () => {
    chmodSync(shareFile(1), 0o644);
    expect(() => readNodeShare(dir, 1)).toThrow(/readable by other users \(mode 644\)/);
    await expect(ensureKeyNetwork(dir, 3, 2)).rejects.toBeInstanceOf(KeyCeremonyError);
    chmodSync(shareFile(1), 0o600);

    writeFileSync(shareFile(2), JSON.stringify({ index: 2, share: shareOf(0).toString(16).padStart(64, '0') }), { mode: 0o600 });
    expect(() => readNodeShare(dir, 2)).toThrow(/does not belong to the network/);
  });
});
