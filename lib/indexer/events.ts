/** The market's logs as the indexer stores them: decoded by topic, arguments as JSON values. */
import { decodeAbiParameters, toEventSelector, type Abi, type AbiEvent, type Address, type Hex, type Log } from 'viem';
import type { Deployments } from '../chain';
import { computeMarketAbi, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { storableText } from './sanitise';

export type ContractKey = 'registry' | 'marketplace' | 'computeMarket' | 'stablecoin';

/** One decoded log, its arguments as JSON (bigints as decimal strings). */
export interface DecodedEvent {
  txHash: Hex;
  logIndex: number;
  blockNumber: number;
  blockHash: Hex;
  timestamp: Date;
  contract: ContractKey;
  name: string;
  args: Record<string, unknown>;
}

/** Each contract's events by topic (selectors computed once: decoding then never scans the ABI). */
const EVENTS_BY_TOPIC = Object.fromEntries(
  Object.entries({ registry: datasetRegistryAbi, marketplace: marketplaceAbi, computeMarket: computeMarketAbi, stablecoin: mockStablecoinAbi } satisfies Record<ContractKey, Abi>).map(([key, abi]) => [
    key,
    new Map((abi as Abi).filter((item): item is AbiEvent => item.type === 'event').map((item) => [toEventSelector(item), item])),
  ]),
) as Record<ContractKey, Map<Hex, AbiEvent>>;

/** The address of each contract whose logs are indexed. */
export function contractAddresses(deployments: Deployments): Record<ContractKey, Address> {
  return {
    registry: deployments.contracts.datasetRegistry,
    marketplace: deployments.contracts.marketplace,
    computeMarket: deployments.contracts.computeMarket,
    stablecoin: deployments.stablecoin.address,
  };
}

/**
 * An event's arguments by name. The event is already chosen by its topic, so this only decodes: viem's
 * decodeEventLog would hash the event's signature again for every log, most of the cost at 10,000 logs a
 * second. Indexed dynamic values are stored as hashes and stay the topic.
 */
function decodeArgs(item: AbiEvent, topics: readonly Hex[], data: Hex): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const indexed = item.inputs.filter((input) => input.indexed);
  if (topics.length !== indexed.length + 1) throw new Error(`${item.name} has ${indexed.length} indexed arguments, the log ${topics.length - 1}`);
  indexed.forEach((input, i) => {
    const topic = topics[i + 1]!;
    args[input.name!] = /^(string|bytes|tuple)$|\[/.test(input.type) ? topic : decodeAbiParameters([input], topic)[0];
  });
  const plain = item.inputs.filter((input) => !input.indexed);
  const values = plain.length > 0 ? decodeAbiParameters(plain, data) : [];
  plain.forEach((input, i) => (args[input.name!] = values[i]));
  return args;
}

/**
 * Decoded arguments as JSON values the database stores: bigints as decimal strings, strings (anyone's: an
 * endpoint, a terms URI) without NUL or lone surrogates.
 */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toJson(v)]));
  return value;
}

/** Decodes the logs of the market's contracts; anything else, or a log no ABI describes, is skipped. */
export class EventDecoder {
  private readonly byAddress: Map<string, ContractKey>;

  constructor(
    addresses: Record<ContractKey, Address>,
    private readonly log: (line: string) => void,
  ) {
    this.byAddress = new Map(Object.entries(addresses).map(([key, address]) => [address.toLowerCase(), key as ContractKey]));
  }

  decode(log: Log<bigint, number, false>, timestamps: Map<number, Date>): DecodedEvent | undefined {
    const contract = this.byAddress.get(log.address.toLowerCase());
    if (!contract) return undefined;
    const item = log.topics[0] && EVENTS_BY_TOPIC[contract].get(log.topics[0]);
    let args: Record<string, unknown>;
    try {
      if (!item) throw new Error('unknown event');
      args = decodeArgs(item, log.topics, log.data);
    } catch {
      this.log(`skipping an undecodable log of ${contract} in ${log.transactionHash}`);
      return undefined;
    }
    const blockNumber = Number(log.blockNumber);
    return {
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      blockNumber,
      blockHash: log.blockHash,
      timestamp: timestamps.get(blockNumber)!,
      contract,
      name: item.name,
      args: toJson(args) as Record<string, unknown>,
    };
  }
}
