/** TypeScript shapes of the contracts' structs, inferred from the generated ABIs. */
import type { ContractFunctionArgs } from 'viem';
import type { computeMarketAbi, datasetRegistryAbi } from './generated';

/** LicenceTerms (contracts/interfaces/ILicenceTerms.sol). */
export type LicenceTerms = ContractFunctionArgs<typeof datasetRegistryAbi, 'nonpayable', 'registerTerms'>[0];
/** A CIDv1 (sha2-256) as the registry stores it: multicodec and digest. */
export type MetadataPointer = ContractFunctionArgs<typeof datasetRegistryAbi, 'nonpayable', 'publish'>[0];
/** A compute provider's environment. */
export type Environment = ContractFunctionArgs<typeof computeMarketAbi, 'nonpayable', 'registerProvider'>[2][number];
/** A compute job as requested (emitted in JobRequested, passed back to later calls). */
export type Job = ContractFunctionArgs<typeof computeMarketAbi, 'nonpayable', 'acceptJob'>[1];
