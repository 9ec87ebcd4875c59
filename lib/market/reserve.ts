/**
 * The on-chain steps of publishing that the SDK and the web app share: reserving the dataset id the key envelope
 * and the signed metadata are prepared for (only the reserving account can publish under it, so nobody can take
 * it first), and allowing the providers whose nodes may run jobs on the dataset, and so see its plaintext.
 */
import { parseEventLogs, type Address } from 'viem';
import { computeMarketAbi, datasetRegistryAbi } from '../contracts';
import { TransactionRejectedError } from './errors';
import type { SentWrite, WriteRequest } from './send';

type Send = (action: string, request: WriteRequest) => Promise<SentWrite>;

/** Reserves the next dataset id for the sending account and returns it. */
export async function reserveDatasetId(send: Send, registry: Address): Promise<bigint> {
  const { hash, logs } = await send('reserve a dataset id', { address: registry, abi: datasetRegistryAbi, functionName: 'reserveDatasetId' });
  const [event] = parseEventLogs({ abi: datasetRegistryAbi, eventName: 'DatasetIdReserved', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  if (!event) throw new TransactionRejectedError('NoReservation', `the reservation ${hash} emitted no DatasetIdReserved event`, 'report it');
  return event.args.datasetId;
}

/** Allows (or, with `allowed` false, withdraws) `providerIds` on `datasetId`; nothing is sent for an empty list. */
export async function setProvidersAllowed(send: Send, computeMarket: Address, datasetId: bigint, providerIds: readonly bigint[], allowed = true): Promise<SentWrite | undefined> {
  if (providerIds.length === 0) return undefined;
  const action = `${allowed ? 'allow' : 'withdraw'} provider${providerIds.length === 1 ? '' : 's'} ${providerIds.join(', ')} ${allowed ? 'on' : 'from'} dataset ${datasetId}`;
  return send(action, { address: computeMarket, abi: computeMarketAbi, functionName: 'setProvidersAllowed', args: [datasetId, [...providerIds], allowed] });
}
