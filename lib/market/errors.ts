/** Errors of market actions, and the translation of contract reverts into sentences a user can act on. */
import { BaseError, ContractFunctionRevertedError, InsufficientFundsError as ViemInsufficientFundsError, UserRejectedRequestError } from 'viem';
import { DatagoraError } from '../errors';

/** A transaction the chain refused, explained. */
export class TransactionRejectedError extends DatagoraError {
  constructor(
    readonly errorName: string,
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super(message, hint, { cause });
  }
}

/** The account cannot pay: stablecoin for the price, or ether for gas. */
export class InsufficientFundsError extends DatagoraError {}

/** No dataset with this id. */
export class DatasetNotFoundError extends DatagoraError {
  constructor(id: bigint, cause?: unknown) {
    super(`there is no dataset ${id}`, 'list the datasets with `datagora datasets`', { cause });
  }

  override get httpStatus(): number {
    return 404;
  }
}

/**
 * A read of dataset `id` that the registry refused with UnknownDataset (an id never given out, or reserved and
 * never published), as DatasetNotFoundError; other errors pass through.
 */
export function explainDatasetRead(error: unknown, id: bigint): unknown {
  const revert = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
  return revert instanceof ContractFunctionRevertedError && revert.data?.errorName === 'UnknownDataset' ? new DatasetNotFoundError(id, error) : error;
}

/** The owner already holds every right to its dataset: buying it would pay itself, which analytics flags as a wash trade. */
export class OwnDatasetError extends DatagoraError {
  constructor(id: bigint, account: string) {
    super(`${account} owns dataset ${id}: an owner does not buy a licence to its own data`, `download it as its owner: datagora download ${id} --out PATH`);
  }
}

/** The account holds a licence that buying again cannot extend. */
export class AlreadyLicensedError extends DatagoraError {}

/** Compute-only data is never released as a file. */
export class ComputeOnlyError extends DatagoraError {
  constructor(id: bigint) {
    super(`dataset ${id} is compute-only: its raw data is never released`, 'buy a compute job on it instead of a download licence');
  }
}

/** A download's bytes do not match the SHA-256 the owner signed. */
export class IntegrityError extends DatagoraError {}

/** The file to publish is missing, unreadable or too large. */
export class FileError extends DatagoraError {}

const EXPLAIN: Record<string, (args: readonly unknown[]) => [message: string, hint: string]> = {
  NotDatasetOwner: ([id, account]) => [`${String(account)} does not own dataset ${String(id)}`, 'act as the dataset owner (--account / --private-key-env)'],
  UnknownDataset: ([id]) => [`there is no dataset ${String(id)}`, 'list the datasets with `datagora datasets`'],
  DatasetNotListed: ([id]) => [`dataset ${String(id)} is delisted: no new licences are sold`, 'ask its owner to list it again'],
  ComputeOnlyDataset: ([id]) => [`dataset ${String(id)} is compute-only: no download licences are sold`, 'request a compute job instead'],
  PriceAboveMax: ([price, max]) => [`the price ${String(price)} is above your maximum ${String(max)}`, 'check the current price with `datagora show`'],
  DatasetIdNotReserved: ([id, account]) => [`${String(account)} has not reserved dataset id ${String(id)}`, 'publish again: a fresh id is reserved and the upload is reused'],
  TermsMismatch: ([id, accepted, current]) => [
    `the owner changed the terms of dataset ${String(id)} (from terms ${String(accepted)}, which you accepted, to terms ${String(current)}) before your purchase landed; nothing was charged`,
    'read the new terms with `datagora show` and buy again if they suit you',
  ],
  ParentTermsMismatch: ([id, accepted, current]) => [
    `the owner of dataset ${String(id)} changed its terms (from terms ${String(accepted)}, which you accepted, to terms ${String(current)}) while you published; nothing was listed`,
    'read its new terms with `datagora show` and publish again if they suit you',
  ],
  ProviderNotAllowed: ([id, provider]) => [`the owner of dataset ${String(id)} does not allow provider ${String(provider)} to run jobs on it`, 'choose one of the providers the dataset lists (`datagora show`)'],
  EnvironmentMismatch: ([provider, environment]) => [
    `provider ${String(provider)} changed environment ${String(environment)} since you chose it; nothing was charged`,
    'list the provider’s environments again (`datagora providers`) and request again',
  ],
  InvalidNodeSignature: ([signer]) => [`the node key ${String(signer)} did not sign this registration`, 'register with the node’s own key (the provider node signs its registration)'],
  SignerInUse: ([signer, provider]) => [`the node key ${String(signer)} already belongs to provider ${String(provider)}`, 'use another node key'],
  CurrencyNotAllowed: ([currency]) => [`currency ${String(currency)} is not accepted by the registry`, 'price the dataset in the market stablecoin'],
  RevShareTooHigh: ([bps]) => [`a revenue share of ${String(bps)} basis points is over 100%`, 'give at most 10000 basis points'],
  CommercialTermsWithoutCommercialUse: () => ['commercial attribution or revenue share without commercial use', 'allow commercial use or drop those terms'],
  DerivativesAttributionWithoutDerivatives: () => ['derivative attribution without derivatives', 'allow derivatives or drop the attribution term'],
  ReciprocalWithoutDerivatives: () => ['reciprocal licensing without derivatives', 'allow derivatives or drop the reciprocal term'],
  DownloadPriceOnComputeOnly: () => ['a download price on compute-only terms', 'set only a compute price'],
  TransferableComputeOnly: () => ['compute-only licences cannot be transferable', 'drop the transferable term'],
  AlreadyLicensedForever: ([id]) => [`you hold a perpetual licence on dataset ${String(id)}`, 'nothing to buy: it never expires'],
  ListingUnchanged: ([id, listed]) => [`dataset ${String(id)} is already ${listed ? 'listed' : 'delisted'}`, 'nothing to do'],
  NothingToWithdraw: () => ['there is nothing to withdraw', 'check `datagora balance`'],
  ERC20InsufficientBalance: ([, balance, needed]) => [`the stablecoin balance ${String(balance)} is below the ${String(needed)} needed`, 'fund the account first'],
  ERC20InsufficientAllowance: () => ['the marketplace may not spend enough of your stablecoin', 'approve the marketplace first'],
};

/**
 * Turns a failed contract call into a typed error with a readable message; other errors pass through.
 * `action` names what was attempted ("buy a licence for dataset 3").
 */
export function explainFailure(error: unknown, action: string): unknown {
  if (!(error instanceof BaseError)) return error;
  if (error.walk((e) => e instanceof ViemInsufficientFundsError)) {
    return new InsufficientFundsError(`cannot ${action}: the account has too little ether for gas`, 'fund the account with the chain’s native currency', {
      cause: error,
    });
  }
  if (error.walk((e) => e instanceof UserRejectedRequestError)) {
    return new TransactionRejectedError('UserRejected', `cannot ${action}: the wallet declined the request`, 'approve it in your wallet to go on', error);
  }
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) {
    const name = revert.data?.errorName ?? 'reverted';
    const explain = EXPLAIN[name];
    const [message, hint] = explain ? explain(revert.data?.args ?? []) : [revert.reason ?? name, 'see the contract’s NatSpec for this error'];
    return new TransactionRejectedError(name, `cannot ${action}: ${message}`, hint, error);
  }
  return error;
}
