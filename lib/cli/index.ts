/**
 * The `datagora` command line. Each command parses its flags and calls into lib/; nothing here is
 * domain logic.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { isAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { connectPublic, deployMarket, walletFor, writeDeployments } from '../chain';
import { loadConfig } from '../config';
import { DatagoraError } from '../errors';
import { checkHealth } from '../health';
import { startStack } from '../stack';

const HELP = `datagora — the decentralized data market

Usage:
  datagora start [--dev]                 the whole market: chain, contracts, web app (npm start)
  datagora deploy --rpc-url URL --private-key-env VAR [--out FILE] [--fee-bps N]
                  [--treasury ADDRESS] [--stablecoin ADDRESS | --mock-stablecoin]
                                          deploy the contracts to any EVM chain
  datagora health [--json]               health of the configured chain and contracts
  datagora help

Configuration comes from DATAGORA_* environment variables (see README).`;

/** Bad command-line usage. */
export class UsageError extends DatagoraError {
  constructor(message: string) {
    super(message, 'run `datagora help` for usage');
  }
}

async function start(args: string[], root: string): Promise<number> {
  const { values } = parseArgs({ args, options: { dev: { type: 'boolean', default: false } } });
  const stack = await startStack(loadConfig(), { root, dev: values.dev });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stack.stop(signal));
  const reason = await stack.stopped;
  return reason.startsWith('SIG') ? 0 : 1;
}

async function deploy(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'rpc-url': { type: 'string' },
      'private-key-env': { type: 'string' },
      out: { type: 'string' },
      'fee-bps': { type: 'string', default: '250' },
      treasury: { type: 'string' },
      stablecoin: { type: 'string' },
      'mock-stablecoin': { type: 'boolean', default: false },
    },
  });
  const rpcUrl = values['rpc-url'];
  const keyVar = values['private-key-env'];
  if (!rpcUrl || !keyVar) throw new UsageError('deploy needs --rpc-url and --private-key-env');
  const key = process.env[keyVar];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new UsageError(`environment variable ${keyVar} must hold a 0x-prefixed 32-byte private key`);
  }
  const feeBps = Number(values['fee-bps']);
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 1000) throw new UsageError('--fee-bps must be an integer from 0 to 1000');
  if (values.treasury !== undefined && !isAddress(values.treasury)) throw new UsageError('--treasury must be an address');
  if (values.stablecoin !== undefined && !isAddress(values.stablecoin)) throw new UsageError('--stablecoin must be an address');
  if (values.stablecoin === undefined && !values['mock-stablecoin']) {
    throw new UsageError('choose the currency: --stablecoin ADDRESS (e.g. a testnet USDC) or --mock-stablecoin');
  }

  const publicClient = await connectPublic(rpcUrl);
  const wallet = walletFor(publicClient, privateKeyToAccount(key as Hex));
  const out = path.resolve(values.out ?? `deployments-${publicClient.chain.id}.json`);
  console.log(`deploying to chain ${publicClient.chain.id} from ${wallet.account.address}`);
  const deployments = await deployMarket(
    { publicClient, wallet },
    {
      feeBps,
      treasury: values.treasury as Hex | undefined,
      stablecoin: values.stablecoin ? { mock: false, address: values.stablecoin as Hex } : { mock: true },
      onStep: (step) => console.log(`  ${step}`),
    },
  );
  writeDeployments(out, deployments);
  console.log(`deployments written to ${out}\npoint the app at it: DATAGORA_CHAIN=rpc DATAGORA_RPC_URL=${rpcUrl} DATAGORA_DEPLOYMENTS=${out}`);
  return 0;
}

async function health(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
  const result = await checkHealth(loadConfig());
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    for (const [name, component] of Object.entries(result.components)) {
      console.log(`${component.status === 'ok' ? '✓' : '✗'} ${name.padEnd(10)} ${JSON.stringify(component.details)}`);
    }
  }
  return result.status === 'ok' ? 0 : 1;
}

/** Runs the command in `argv` and resolves with the process exit code. */
export async function main(argv: string[], root: string): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(args, root);
      case 'deploy':
        return await deploy(args);
      case 'health':
        return await health(args);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof DatagoraError) {
      console.error(error.describe());
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`UsageError: ${error.message}\n  → run \`datagora help\` for usage`);
      return 2;
    }
    throw error;
  }
}
