/**
 * Assertions for contract calls: which custom error a call reverted with, and which events a receipt carries.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  parseEventLogs,
  type Abi,
  type ContractEventName,
  type Hex,
  type Log,
  type ParseEventLogsReturnType,
} from 'viem';
import { computeMarketAbi, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '@/lib/contracts';

/**
 * Every error of every market contract. A revert that bubbles up from another contract (the registry's
 * UnknownDataset through the marketplace, the stablecoin's ERC20InsufficientAllowance through SafeERC20) is
 * not in the called contract's ABI, so it is decoded against all of them.
 */
const allErrorsAbi: Abi = [...datasetRegistryAbi, ...marketplaceAbi, ...computeMarketAbi, ...mockStablecoinAbi].filter(
  (item) => item.type === 'error',
);

/** What a revert decoded to. */
export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
}

/** Decodes the custom error carried by `error` (a viem error from simulateContract/writeContract/readContract). */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data?.errorName) return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  const raw: Hex | undefined = reverted.raw;
  if (!raw || raw === '0x') return undefined;
  try {
    const decoded = decodeErrorResult({ abi: allErrorsAbi, data: raw });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/** Addresses compare case-insensitively; numbers and bigints compare by value. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value)) return value.toLowerCase();
  if (typeof value === 'number') return BigInt(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, normalise(entry)]));
  }
  return value;
}

/**
 * Awaits `promise` and asserts it reverted with the custom error `errorName` and, when given, exactly `args`.
 * Works with `simulateContract`, `writeContract` and `readContract` promises.
 */
export async function expectRevert(promise: Promise<unknown>, errorName: string, args?: readonly unknown[]): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a revert with ${errorName}, but the call succeeded`);
  const decoded = decodeRevert(caught);
  if (!decoded) {
    const message = caught instanceof Error ? caught.message : String(caught);
    throw new Error(`expected a revert with ${errorName}, but got an error that is no custom error:\n${message}`);
  }
  expect(decoded.errorName).toBe(errorName);
  if (args !== undefined) expect(normalise(decoded.args)).toEqual(normalise(args));
}

/** The events named `eventName` among `logs`, decoded with `abi`; only those emitted by `address` when it is given. */
export function eventsOf<const abi extends Abi, name extends ContractEventName<abi>>(
  abi: abi,
  logs: Log[],
  eventName: name,
  address?: Hex,
): ParseEventLogsReturnType<abi, name, true> {
  const parsed = parseEventLogs({ abi, logs, eventName, strict: true });
  return address ? parsed.filter((log) => log.address.toLowerCase() === address.toLowerCase()) : parsed;
}
