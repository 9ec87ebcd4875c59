/**
 * The key network: it guards each dataset's 32-byte data key (never the data). A key is encrypted Lit-style
 * under conditions calling `Marketplace.canDecrypt(datasetId, :userAddress)`; to recover it, a requester
 * signs in with SIWE and the key nodes, evaluating the conditions themselves on the chain, release
 * signature shares that combine into the decryption key. Adapters: `local` (Lit-compatible threshold
 * nodes this market runs, local.ts and node.ts) and `lit` (the real Lit network, lit.ts).
 */
import type { Deployments } from '../chain/deployments';
import type { Config } from '../config';
import { assertNetworkShape, readNetworkInfo } from './ceremony';
import { LitKeyNetwork } from './lit';
import { LocalKeyNetwork } from './local';
import type { KeyNetwork } from './types';

/**
 * The key network the configuration selects, for the market deployed in `deployments`. The local network must
 * have been dealt (`ensureKeyNetwork`, which `npm start` runs) with the configured size and threshold; the
 * Lit network is connected to, failing fast when it cannot be reached.
 */
export async function openKeyNetwork(config: Config, deployments: Deployments): Promise<KeyNetwork> {
  const network = config.keyNetwork;
  if (network.adapter === 'lit') {
    return LitKeyNetwork.connect({ network: network.network, deployments, siweDomain: config.siweDomain, siweUri: config.web.url });
  }
  const info = readNetworkInfo(network.dir);
  assertNetworkShape(info, network.dir, network.nodes, network.threshold);
  return new LocalKeyNetwork({ urls: network.urls, info, deployments, siweDomain: config.siweDomain, siweUri: config.web.url });
}

export type { KeyNetwork } from './types';
export { canDecryptConditions, type EvmContractConditions } from './conditions';
export { keyEnvelopeSchema, parseEnvelope, type EncryptionTarget, type KeyEnvelope } from './envelope';
export type { KeyHolder, KeySession } from './session';
export * from './errors';
