/**
 * The Merkle root of a job's outputs, as the registry proves a derivative's content against it: leaves are
 * keccak256(abi.encode(sha256 of an output file)), pairs are hashed sorted (OpenZeppelin's MerkleProof with
 * commutative keccak256), and an odd node is carried up unchanged. A job settles with
 * keccak256(abi.encode(receipt hash, outputs root)), so one output's SHA-256, the receipt hash and a short proof
 * are enough for the chain to check that a file came out of that job.
 */
import { concat, encodeAbiParameters, keccak256, type Hex } from 'viem';

/** The root of no outputs. */
export const EMPTY_OUTPUTS_ROOT: Hex = `0x${'0'.repeat(64)}`;

/** An output's leaf: keccak256 of its SHA-256 (0x-prefixed or bare hex) as one ABI word. */
export function outputLeaf(sha256: string): Hex {
  const word = (sha256.startsWith('0x') ? sha256 : `0x${sha256}`).toLowerCase() as Hex;
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }], [word]));
}

function hashPair(a: Hex, b: Hex): Hex {
  return keccak256(BigInt(a) < BigInt(b) ? concat([a, b]) : concat([b, a]));
}

/** The tree's levels from the leaves (in the order given) up to the root. */
function levels(leaves: readonly Hex[]): Hex[][] {
  const all = [leaves.slice()];
  while (all[all.length - 1]!.length > 1) {
    const below = all[all.length - 1]!;
    const above: Hex[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? hashPair(below[i]!, below[i + 1]!) : below[i]!);
    all.push(above);
  }
  return all;
}

/** The root over the outputs' SHA-256s, in the order given (a receipt lists them sorted by path). */
export function outputsRoot(sha256s: readonly string[]): Hex {
  if (sha256s.length === 0) return EMPTY_OUTPUTS_ROOT;
  const tree = levels(sha256s.map(outputLeaf));
  return tree[tree.length - 1]![0]!;
}

/** The proof that `sha256` is one of `sha256s`, or undefined if it is not. */
export function outputsProof(sha256s: readonly string[], sha256: string): Hex[] | undefined {
  const leaf = outputLeaf(sha256);
  const leaves = sha256s.map(outputLeaf);
  let index = leaves.indexOf(leaf);
  if (index < 0) return undefined;
  const proof: Hex[] = [];
  for (const level of levels(leaves).slice(0, -1)) {
    const sibling = index ^ 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    index >>= 1;
  }
  return proof;
}

/** The root a proof leads to from `sha256`, as MerkleProof.processProof computes it. */
export function rootFromProof(sha256: string, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), outputLeaf(sha256));
}

/** What a job settles with: keccak256(abi.encode(receipt hash, outputs root)). */
export function resultHashOf(receiptHash: Hex, root: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [receiptHash, root]));
}
