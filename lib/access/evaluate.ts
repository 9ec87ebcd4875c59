/**
 * A key node's own evaluation of Lit evmContractConditions: each condition is an eth_call on the node's chain
 * with `:userAddress` replaced by the signed-in address, then its returnValueTest. Conditions joined by
 * `{ operator: 'and' | 'or' }` are read left to right; nested arrays are groups.
 */
import {
  BaseError,
  decodeFunctionResult,
  encodeFunctionData,
  ExecutionRevertedError,
  isAddress,
  isAddressEqual,
  isHex,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
} from 'viem';
import type { EvmContractCondition, EvmContractConditions } from './conditions';
import { KeyRequestRejected } from './errors';

/** Whether the conditions hold for the account, and a sentence saying why not. */
export interface Evaluation {
  granted: boolean;
  reason: string;
}

interface Context {
  client: PublicClient<Transport, Chain>;
  userAddress: Address;
}

const unsupported = (what: string) => new KeyRequestRejected(400, 'unsupported-condition', `unsupported access condition: ${what}`);

/** The call argument `param` stands for, typed by its ABI input. */
function argument(param: string, input: AbiParameter, userAddress: Address): unknown {
  if (param.startsWith(':') && param !== ':userAddress') throw unsupported(`parameter ${param} (only :userAddress is substituted)`);
  const value = param === ':userAddress' ? userAddress : param;
  const invalid = () => unsupported(`"${value}" is not a valid ${input.type}`);
  if (/^u?int\d*$/.test(input.type)) {
    if (!/^-?\d+$/.test(value)) throw invalid();
    return BigInt(value);
  }
  if (input.type === 'address') {
    if (!isAddress(value, { strict: false })) throw invalid();
    return value;
  }
  if (input.type === 'bool') {
    if (value !== 'true' && value !== 'false') throw invalid();
    return value === 'true';
  }
  if (/^bytes\d*$/.test(input.type)) {
    if (!isHex(value)) throw invalid();
    return value;
  }
  if (input.type === 'string') return value;
  throw unsupported(`parameter type ${input.type}`);
}

/** Applies a returnValueTest comparator to a decoded return value. */
function satisfies(value: unknown, comparator: EvmContractCondition['returnValueTest']['comparator'], expected: string): boolean {
  if (typeof value === 'bigint' || typeof value === 'number') {
    if (!/^-?\d+$/.test(expected)) throw unsupported(`comparing a number with "${expected}"`);
    const actual = BigInt(value);
    const wanted = BigInt(expected);
    switch (comparator) {
      case '=':
        return actual === wanted;
      case '>':
        return actual > wanted;
      case '>=':
        return actual >= wanted;
      case '<':
        return actual < wanted;
      case '<=':
        return actual <= wanted;
      case 'contains':
        throw unsupported('"contains" on a number');
    }
  }
  if (typeof value === 'boolean' && comparator === '=') return String(value) === expected;
  if (typeof value === 'string' && comparator === '=') {
    return isAddress(value) && isAddress(expected) ? isAddressEqual(value, expected) : value === expected;
  }
  if (typeof value === 'string' && comparator === 'contains') return value.includes(expected);
  if (Array.isArray(value) && comparator === 'contains') return value.some((item) => String(item).toLowerCase() === expected.toLowerCase());
  throw unsupported(`comparator "${comparator}" on a ${Array.isArray(value) ? 'list' : typeof value}`);
}

/** The value `key` names among the decoded outputs ("" for a function with a single output). */
function selectOutput(decoded: unknown, outputs: readonly AbiParameter[], key: string): unknown {
  if (key === '') {
    if (outputs.length !== 1) throw unsupported('returnValueTest.key "" on a function with several outputs');
    return decoded;
  }
  const index = outputs.findIndex((output) => output.name === key);
  if (index < 0) throw unsupported(`returnValueTest.key "${key}" names no output`);
  return outputs.length === 1 ? decoded : (decoded as readonly unknown[])[index];
}

const display = (value: unknown): string => (Array.isArray(value) ? `[${value.map(display).join(', ')}]` : String(value));

async function evaluateCondition(condition: EvmContractCondition, { client, userAddress }: Context): Promise<Evaluation> {
  const { functionAbi: abi, functionName, functionParams, contractAddress, returnValueTest } = condition;
  if (abi.stateMutability !== 'view' && abi.stateMutability !== 'pure') throw unsupported(`${functionName} is not a view function`);
  if (abi.name !== functionName) throw unsupported(`functionName ${functionName} differs from functionAbi.name ${abi.name}`);
  if (functionParams.length !== abi.inputs.length) throw unsupported(`${functionName} takes ${abi.inputs.length} parameters, ${functionParams.length} given`);
  if (!isAddress(contractAddress, { strict: false })) throw unsupported(`contractAddress ${contractAddress}`);
  const fn: AbiFunction = { type: 'function', name: abi.name, stateMutability: abi.stateMutability, inputs: abi.inputs, outputs: abi.outputs };
  const args = functionParams.map((param, i) => argument(param, fn.inputs[i]!, userAddress));
  const call = `${functionName}(${args.map(display).join(', ')}) at ${contractAddress}`;

  let data;
  try {
    ({ data } = await client.call({ to: contractAddress, data: encodeFunctionData({ abi: [fn], functionName, args }) }));
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof ExecutionRevertedError) instanceof ExecutionRevertedError) {
      return { granted: false, reason: `${call} reverted` };
    }
    throw new KeyRequestRejected(503, 'chain-unavailable', `the key node cannot read the chain: ${error instanceof BaseError ? error.shortMessage : String(error)}`);
  }
  if (!data || data === '0x') return { granted: false, reason: `${call} returned no data (no contract there?)` };
  const value = selectOutput(decodeFunctionResult({ abi: [fn], functionName, data }), fn.outputs, returnValueTest.key);
  const granted = satisfies(value, returnValueTest.comparator, returnValueTest.value);
  return { granted, reason: `${call} returned ${display(value)}, the conditions require ${returnValueTest.comparator} ${returnValueTest.value}` };
}

/** Evaluates `conditions` for `context.userAddress` against the node's chain, short-circuiting and/or. */
export async function evaluateConditions(conditions: EvmContractConditions, context: Context): Promise<Evaluation> {
  let result: Evaluation | undefined;
  let operator: 'and' | 'or' | undefined;
  for (const item of conditions) {
    if (!Array.isArray(item) && 'operator' in item) {
      if (!result || operator) throw unsupported('an operator must stand between two conditions');
      operator = item.operator;
      continue;
    }
    if (result && !operator) throw unsupported('two conditions need an operator between them');
    const decided = result && ((operator === 'and' && !result.granted) || (operator === 'or' && result.granted));
    if (!decided) result = Array.isArray(item) ? await evaluateConditions(item, context) : await evaluateCondition(item, context);
    operator = undefined;
  }
  if (!result || operator) throw unsupported('the conditions are empty or end with an operator');
  return result;
}
