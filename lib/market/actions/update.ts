/**
 * A new metadata version of a dataset (same content, key and licence), for the SDK and the browser alike: the
 * current document read again, so the version and its predecessor are the chain's; the next one signed by the
 * owner and stored; then anchored on-chain.
 */
import { isAddressEqual, type Hex } from 'viem';
import { contractsOf } from '../../contracts';
import { metadataPointer } from '../../metadata/cid';
import { nextVersion, type VersionChanges } from '../document';
import { TransactionRejectedError } from '../errors';
import type { PublishPort } from '../port';

export async function updateMetadata(port: PublishPort, id: bigint, changes: VersionChanges): Promise<{ version: number; metadataCid: string; txHash: Hex }> {
  const current = await port.anchored(id);
  // Checked before anything is signed: the registry would refuse the anchor anyway.
  if (!isAddressEqual(current.owner, port.account)) {
    throw new TransactionRejectedError('NotDatasetOwner', `cannot update dataset ${id}: ${port.account} does not own it`, 'act as the account that owns the dataset (--account / --private-key-env, or switch your wallet)');
  }
  const document = nextVersion(current, changes, port.account);
  const cid = await port.storeDocument(document);
  const { hash } = await port.send(`update dataset ${id}`, { ...contractsOf(port.market).registry, functionName: 'updateMetadata', args: [id, metadataPointer(cid)] });
  return { version: document.version, metadataCid: cid, txHash: hash };
}
