/**
 * Pairwise masks for secure aggregation (Bonawitz et al., CCS 2017, without the dropout recovery: an attempt that
 * loses a node is retried without it, with fresh masks). Each pair of providers i < j shares an X25519 secret
 * between one's node key and the other's on-chain agreement key; i adds the pair's ChaCha20 stream to its vector,
 * j subtracts it, so the streams cancel in the sum and a single masked vector is uniform noise to the aggregator.
 * The stream's key is HKDF-SHA256 over the secret and the whole context (chain, market, run, round, attempt, the
 * attempt's providers, the pair), so no two vectors a node ever releases share a mask.
 * No Node imports: the buyer's client checks keys and masks vectors in tests and pages alike.
 */
import { chacha20 } from '@noble/ciphers/chacha';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem';
import { loadEsm } from '../esm';
import { AgreementKeyError, MaskContextError } from './errors';
import { ringAdd } from './fixed';
import { MAX_DIMENSION, MAX_PARTICIPANTS, MAX_VECTOR_LENGTH, MIN_PARTICIPANTS } from './plan';

/** @noble/curves 2 is an ES module only: imported on first use. */
const curves = () => loadEsm('@noble/curves/ed25519.js', () => import('@noble/curves/ed25519.js'));

/** A node's X25519 key pair: the public half is what ComputeMarket.setAgreementKey stores (bytes32). */
export interface AgreementKeyPair {
  secretKey: Uint8Array;
  publicKey: Hex;
}

/** A fresh key pair from the platform's CSPRNG. */
export async function generateAgreementKeyPair(): Promise<AgreementKeyPair> {
  const { x25519 } = await curves();
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: bytesToHex(x25519.getPublicKey(secretKey)) };
}

/** The public key of `secretKey`, as the bytes32 to publish. */
export async function agreementPublicKey(secretKey: Uint8Array): Promise<Hex> {
  if (secretKey.length !== 32) throw new AgreementKeyError(`a secret key has 32 bytes, not ${secretKey.length}`, 'load the node’s agreement key file again');
  const { x25519 } = await curves();
  return bytesToHex(x25519.getPublicKey(secretKey));
}

const FIELD_PRIME = 2n ** 255n - 19n;

/**
 * A public key read from the chain, checked: 32 bytes, set (agreementKeyOf reads zero for a provider that never
 * published one), and the canonical encoding of a field element (u < p), so one key has one spelling.
 */
function publicKeyBytes(key: Hex, whose: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new AgreementKeyError(`${whose}’s key ${JSON.stringify(String(key).slice(0, 80))} is not 32 bytes of hex`);
  const bytes = hexToBytes(key);
  const u = bytes.reduceRight((value, byte) => (value << 8n) | BigInt(byte), 0n);
  if (u === 0n) throw new AgreementKeyError(`${whose} has published no agreement key`, 'the provider must call setAgreementKey before it can train with others');
  if (u >= FIELD_PRIME) throw new AgreementKeyError(`${whose}’s key is not a canonical X25519 public key (u ≥ 2^255 − 19)`);
  return bytes;
}

/**
 * The X25519 secret between `secretKey` and a peer's public key: the same for both sides. Refuses a peer key of
 * low order (the secret would be a constant anyone knows) and a peer key equal to one's own (a peer that copied
 * it cannot compute the secret, so the masks would not cancel).
 */
export async function sharedSecret(secretKey: Uint8Array, peerKey: Hex, peer = 'the peer'): Promise<Uint8Array> {
  const peerBytes = publicKeyBytes(peerKey, peer);
  const own = await agreementPublicKey(secretKey);
  if (own === bytesToHex(peerBytes)) throw new AgreementKeyError(`${peer} published this node’s own key`, 'a provider must publish a key of its own; do not train with this one');
  const { x25519 } = await curves();
  try {
    return x25519.getSharedSecret(secretKey, peerBytes);
  } catch (cause) {
    throw new AgreementKeyError(`${peer}’s key is of low order (${(cause as Error).message})`, 'do not train with this provider: its key would make the mask public');
  }
}

/** Where a masked vector belongs: one attempt of one round of one run. */
export interface MaskContext {
  chainId: number;
  computeMarket: Address;
  /** The run: the first job id of jobGroup, read from the chain. */
  firstJobId: bigint;
  round: number;
  attempt: number;
  /** The providers taking part in this attempt, ascending: a retry without a node is a new set, so new masks. */
  participants: readonly bigint[];
}

/** A peer of this attempt: its provider id and the agreement key ComputeMarket.agreementKeyOf returns for it. */
export interface Peer {
  providerId: bigint;
  agreementKey: Hex;
}

/** What masking one vector needs: the context, who one is, one's secret key and every other participant's key. */
export interface MaskOptions {
  context: MaskContext;
  providerId: bigint;
  secretKey: Uint8Array;
  peers: readonly Peer[];
}

const MASK_SALT = new TextEncoder().encode('datagora-federated/1 pairwise mask');
const NONCE = new Uint8Array(12);
const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

function checkContext({ context, providerId, peers }: MaskOptions, length: number): void {
  const { chainId, computeMarket, firstJobId, round, attempt, participants } = context;
  if (!(isCount(chainId) && chainId > 0)) throw new MaskContextError(`chain id ${chainId} is not a positive integer`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(computeMarket)) throw new MaskContextError(`ComputeMarket ${JSON.stringify(String(computeMarket).slice(0, 80))} is not an address`);
  if (!(firstJobId > 0n)) throw new MaskContextError(`first job id ${firstJobId} is not a job`);
  if (!isCount(round) || !isCount(attempt)) throw new MaskContextError(`round ${round} and attempt ${attempt} must be whole numbers from 0`);
  if (!(isCount(length) && length >= 2 && length <= MAX_VECTOR_LENGTH)) throw new MaskContextError(`a vector of ${length} elements is not a round's: d+1, or d+2 with a loss, for a d from 1 to ${MAX_DIMENSION}`);
  if (participants.length < MIN_PARTICIPANTS || participants.length > MAX_PARTICIPANTS) {
    throw new MaskContextError(`${participants.length} participants; an attempt takes ${MIN_PARTICIPANTS} to ${MAX_PARTICIPANTS}`, 'with fewer than 2 left, the round cannot go on');
  }
  participants.forEach((p, i) => {
    if (!(p > 0n) || (i > 0 && p <= participants[i - 1]!)) throw new MaskContextError('participants must be provider ids, strictly ascending');
  });
  if (!participants.includes(providerId)) throw new MaskContextError(`provider ${providerId} is not among the attempt’s participants`);
  const others = participants.filter((p) => p !== providerId);
  if (peers.length !== others.length || !others.every((p) => peers.some((peer) => peer.providerId === p))) {
    throw new MaskContextError(`the peers' keys (${peers.map((p) => p.providerId).join(', ')}) are not those of the other participants (${others.join(', ')})`);
  }
}

/** HKDF's info for the pair (low, high) in `context`: every field in a fixed order, decimal and lower-case hex. */
function contextInfo(context: MaskContext, low: bigint, high: bigint): Uint8Array {
  const { chainId, computeMarket, firstJobId, round, attempt, participants } = context;
  const fields = [chainId, computeMarket.toLowerCase(), firstJobId, round, attempt, participants.join(','), `${low},${high}`];
  return new TextEncoder().encode(fields.join('|'));
}

/**
 * `encoded` plus this provider's mask: for each peer j, + the pair's stream when j's provider id is above one's own,
 * − when below. The returned vector is what leaves the node; the streams cancel only in the sum of all participants.
 */
export async function maskVector(encoded: BigUint64Array, options: MaskOptions): Promise<BigUint64Array<ArrayBuffer>> {
  checkContext(options, encoded.length);
  const { context, providerId, secretKey, peers } = options;
  const mask = new BigUint64Array(encoded.length);
  for (const peer of peers) {
    const secret = await sharedSecret(secretKey, peer.agreementKey, `provider ${peer.providerId}`);
    const add = peer.providerId > providerId;
    const [low, high] = add ? [providerId, peer.providerId] : [peer.providerId, providerId];
    const key = hkdf(sha256, secret, MASK_SALT, contextInfo(context, low, high), 32);
    const stream = chacha20(key, NONCE, new Uint8Array(encoded.length * 8));
    const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
    for (let i = 0; i < mask.length; i++) {
      const word = view.getBigUint64(i * 8, true);
      mask[i] = add ? mask[i]! + word : mask[i]! - word;
    }
  }
  return ringAdd(encoded, mask);
}
