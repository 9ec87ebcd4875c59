/**
 * An asset's lineage as the registry holds it: what it is, its parents with the job that entitled each and the
 * share each took (its LineageRegistered event), every ancestor's absolute share of its sales (ancestorsOf), and
 * what its parents bind its terms to. Its children are not kept per asset on-chain: the indexer's lineage graph
 * (IndexerClient.lineage) has them.
 */
import type { Chain, Hex, PublicClient, Transport } from 'viem';
import { contractsOf, type MarketLocation } from '../contracts';
import { explainDatasetRead } from '../market/errors';
import { ASSET_KINDS, type AssetKind } from './derivation';

/** Lineage.sol's constraint bits. */
const KEEP_RIGHTS = 1;
const NON_COMMERCIAL = 2;

export interface AssetDerivation {
  assetId: bigint;
  kind: AssetKind;
  /** SHA-256 of its plaintext as registered with its lineage; null for an asset published without (a plain dataset). */
  contentHash: Hex | null;
  /** Its parents in id order: the job that entitled the publisher (null: a licence or ownership) and the share each takes. */
  parents: { parentId: bigint; jobId: bigint | null; bps: number }[];
  /** Every ancestor (parents and theirs) with its absolute share of each sale, in basis points. */
  ancestors: { assetId: bigint; bps: number }[];
  /** Its terms must keep the rights they were published with (a parent is reciprocal). */
  keepsRights: boolean;
  /** Its terms may never allow commercial use (a parent is non-commercial). */
  nonCommercial: boolean;
}

/** What reading lineage takes: the chain, the registry and the block it was deployed at. */
export interface LineageReader {
  publicClient: PublicClient<Transport, Chain>;
  deployments: MarketLocation & { startBlock: number };
}

/** Asset `id`'s lineage from the chain; DatasetNotFoundError for an id never published. */
export async function readDerivation({ publicClient, deployments }: LineageReader, id: bigint): Promise<AssetDerivation> {
  const { registry } = contractsOf(deployments);
  const dataset = await publicClient.readContract({ ...registry, functionName: 'getDataset', args: [id] }).catch((error: unknown) => {
    throw explainDatasetRead(error, id);
  });
  const [registered, ancestors] = await Promise.all([
    publicClient.getContractEvents({ ...registry, eventName: 'LineageRegistered', args: { assetId: id }, fromBlock: BigInt(deployments.startBlock) }),
    dataset.ancestors > 0 ? publicClient.readContract({ ...registry, functionName: 'ancestorsOf', args: [id] }) : [],
  ]);
  const event = registered[0]?.args;
  return {
    assetId: id,
    kind: ASSET_KINDS[dataset.kind]!,
    contentHash: event?.contentHash ?? null,
    parents: (event?.parents ?? []).map((p) => ({ parentId: p.parentId, jobId: p.jobId === 0n ? null : p.jobId, bps: p.bps })),
    ancestors: ancestors.map((a) => ({ assetId: a.assetId, bps: a.bps })),
    keepsRights: (dataset.constraints & KEEP_RIGHTS) !== 0,
    nonCommercial: (dataset.constraints & NON_COMMERCIAL) !== 0,
  };
}
