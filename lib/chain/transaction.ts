/**
 * One transaction as people read it: status, block, gas, who sent it to which market contract, the call decoded
 * with the contract's ABI and every event it emitted decoded the same way (logs of other contracts stay raw).
 * The web app's /tx/<hash> page shows it on chains without an explorer, the embedded anvil first.
 */
import {
  decodeEventLog,
  decodeFunctionData,
  getAddress,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Abi,
  type AbiParameter,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from 'viem';
import { contractsOf } from '../contracts';
import type { Deployments } from './deployments';

/** A named contract whose calls and events can be decoded. */
export interface KnownContract {
  name: string;
  address: Address;
  abi: Abi;
}

/** One argument: its name and Solidity type, and its value as text (numbers in base units, structs as JSON). */
export interface DecodedValue {
  name: string;
  type: string;
  value: string;
}

export interface DecodedEvent {
  logIndex: number;
  address: Address;
  /** Null for a contract the market does not know, or an event its ABI lacks: then the raw topics and data. */
  contract: string | null;
  name: string | null;
  args: DecodedValue[];
  topics: Hex[];
  data: Hex;
}

export interface TransactionView {
  hash: Hex;
  /** 'pending' until mined. */
  status: 'success' | 'reverted' | 'pending';
  blockNumber: string | null;
  /** ISO time of its block. */
  timestamp: string | null;
  from: Address;
  /** Null for a contract creation (then `created`). */
  to: Address | null;
  created: Address | null;
  /** The market contract called, when it is one. */
  contract: string | null;
  /** The call decoded with the contract's ABI; null when unknown (see `input`). */
  call: { functionName: string; args: DecodedValue[] } | null;
  input: Hex;
  /** Wei, as decimal strings. */
  value: string;
  gasLimit: string;
  gasUsed: string | null;
  effectiveGasPrice: string | null;
  fee: string | null;
  nonce: number;
  events: DecodedEvent[];
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

/** True for a well-formed transaction hash (0x and 64 hex digits). */
export function isTransactionHash(text: string): text is Hex {
  return TX_HASH.test(text);
}

/** The market's contracts on `deployments`, with their ABIs. */
export function marketContracts(deployments: Deployments): KnownContract[] {
  const contracts = contractsOf(deployments);
  return [
    { name: 'DatasetRegistry', ...contracts.registry },
    { name: 'Marketplace', ...contracts.marketplace },
    { name: 'ComputeMarket', ...contracts.computeMarket },
    // Transfer and Approval are ERC-20's own: the mock's ABI decodes any stablecoin's.
    { name: deployments.stablecoin.symbol, ...contracts.stablecoin },
  ];
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Decoded values (an array for positional arguments, an object for named event arguments) beside their ABI parameters. */
function named(parameters: readonly AbiParameter[], values: unknown): DecodedValue[] {
  return parameters.map((parameter, i) => {
    const value = Array.isArray(values) ? values[i] : (values as Record<string, unknown> | undefined)?.[parameter.name ?? String(i)];
    return { name: parameter.name || `#${i}`, type: parameter.type, value: text(value) };
  });
}

function decodeCall(contract: KnownContract | undefined, input: Hex): TransactionView['call'] {
  if (!contract || input.length < 10) return null;
  try {
    const { functionName, args } = decodeFunctionData({ abi: contract.abi, data: input });
    const item = contract.abi.find((entry) => entry.type === 'function' && entry.name === functionName && entry.inputs.length === (args?.length ?? 0));
    return { functionName, args: item && item.type === 'function' ? named(item.inputs, args) : [] };
  } catch {
    return null;
  }
}

function decodeLog(byAddress: Map<string, KnownContract>, log: { logIndex: number; address: Address; topics: Hex[]; data: Hex }): DecodedEvent {
  const raw = { logIndex: log.logIndex, address: getAddress(log.address), topics: log.topics, data: log.data };
  const contract = byAddress.get(log.address.toLowerCase());
  if (!contract || log.topics.length === 0) return { ...raw, contract: contract?.name ?? null, name: null, args: [] };
  try {
    const { eventName, args } = decodeEventLog({ abi: contract.abi, topics: log.topics as [Hex, ...Hex[]], data: log.data });
    const item = contract.abi.find((entry) => entry.type === 'event' && entry.name === eventName);
    return { ...raw, contract: contract.name, name: eventName ?? null, args: item && item.type === 'event' ? named(item.inputs, args) : [] };
  } catch {
    return { ...raw, contract: contract.name, name: null, args: [] };
  }
}

/** Transaction `hash` read from the chain and decoded against `contracts`; null when the chain does not know it. */
export async function readTransaction(publicClient: PublicClient<Transport, Chain>, contracts: KnownContract[], hash: Hex): Promise<TransactionView | null> {
  const tx = await publicClient.getTransaction({ hash }).catch((error: unknown) => {
    if (error instanceof TransactionNotFoundError) return null;
    throw error;
  });
  if (!tx) return null;
  const receipt = tx.blockHash
    ? await publicClient.getTransactionReceipt({ hash }).catch((error: unknown) => {
        if (error instanceof TransactionReceiptNotFoundError) return null;
        throw error;
      })
    : null;
  const block = receipt ? await publicClient.getBlock({ blockHash: receipt.blockHash }) : null;
  const byAddress = new Map(contracts.map((c) => [c.address.toLowerCase(), c]));
  const target = tx.to ? byAddress.get(tx.to.toLowerCase()) : undefined;
  return {
    hash: tx.hash,
    status: receipt ? receipt.status : 'pending',
    blockNumber: receipt ? receipt.blockNumber.toString() : null,
    timestamp: block ? new Date(Number(block.timestamp) * 1000).toISOString() : null,
    // Checksummed, as events decode them: nodes answer in lower case.
    from: getAddress(tx.from),
    to: tx.to ? getAddress(tx.to) : null,
    created: receipt?.contractAddress ? getAddress(receipt.contractAddress) : null,
    contract: target?.name ?? null,
    call: decodeCall(target, tx.input),
    input: tx.input,
    value: tx.value.toString(),
    gasLimit: tx.gas.toString(),
    gasUsed: receipt ? receipt.gasUsed.toString() : null,
    effectiveGasPrice: receipt ? receipt.effectiveGasPrice.toString() : null,
    fee: receipt ? (receipt.gasUsed * receipt.effectiveGasPrice).toString() : null,
    nonce: tx.nonce,
    events: receipt ? receipt.logs.map((log) => decodeLog(byAddress, { logIndex: log.logIndex, address: log.address, topics: log.topics, data: log.data })) : [],
  };
}
