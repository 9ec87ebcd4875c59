/**
 * The `datagora` command line. Each command parses its flags and calls into lib/; nothing here is
 * domain logic. Each command imports its modules when it runs, so `datagora --help` or a read command does
 * not load the market, the stack or the services (the CLI bundle, scripts/cli-bundle.js, keeps them apart).
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import type { Hex } from 'viem';
import { DatagoraError } from '../errors';
import type { Stack } from '../stack';
import { UsageError, withNegativeValues } from './usage';

const HELP = `datagora — the decentralized data market

Usage:
  datagora start [--dev]                 the whole market: chain, contracts, IPFS node, key nodes, demo
                                          data on a fresh chain, web app (npm start)
  datagora deploy --rpc-url URL --private-key-env VAR [--out FILE] [--fee-bps N]
                  [--treasury ADDRESS] [--stablecoin ADDRESS | --mock-stablecoin]
                                          deploy the contracts to any EVM chain
  datagora health [--json]               health of every component of the market

Market (connect to the running \`npm start\` stack, or --rpc-url URL; act as --account N, a dev account
of the local chain (default 1), or --private-key-env VAR; --json for machine output):
  datagora publish <file> --title T [--description D] [--tags a,b] --licence PRESET --price USDC
                  [--compute-price USDC] [--access-days N] [--rev-share-bps N] [--preview-rows N]
                  [--policy templates|approved|any] [--min-group-size K] [--epsilon E]
                  [--epsilon-per-buyer E] [--max-release-kb N] [--max-buyer-release-kb N]
                  [--max-output-mb N] [--providers 1,4] [--derived-from-job JOB] [--parents 3,5]
                  [--kind model|dataset]
                                          encrypt, store and list a dataset; prints its id; --providers
                                          allows those compute providers (their nodes see the plaintext).
                                          Compute policy (default templates for compute-only data): templates
                                          = only the providers' analysis templates run, buyers send parameters;
                                          approved = algorithms you approve; any = any algorithm under the
                                          output guard and a byte budget (default 64 kB a job): leak-resistant,
                                          not leak-proof. --epsilon: a differential-privacy budget; every
                                          template result then carries noise. A derivative names its
                                          parents: --derived-from-job (the job's dataset; the file must be
                                          one of the job's outputs) and --parents (data you own or license);
                                          it is a model unless --kind dataset. Each parent's licence must
                                          allow it, and its sales pay each parent its revenue share
                  PRESET: non-commercial | commercial | commercial-remix | ai-training | compute-only
  datagora datasets [WORDS…] [--kind model|dataset] [--commercial] [--derivatives] [--ai-training]
                  [--compute-only] [--min-price USDC] [--max-price USDC] [--format F] [--owner ADDRESS]
                  [--has-providers] [--sort relevance|newest|price|sales|revenue] [--order asc|desc]
                  [--page N] [--page-size N] [--all]
                                          search the listed datasets and models through the indexer (--all:
                                          delisted too); without an indexer, every dataset read from the chain
  datagora show <id>                     one dataset or model: licence, price, versions, your access,
                                          its parents with their shares and jobs, and its children
  datagora lineage <id>                  the lineage graph from the indexer: ancestors above the asset,
                                          descendants below, each edge with its share and the job that
                                          entitles it (or none: the parent is owned or licensed)
  datagora buy <id> [--terms ID] [--max-price USDC] [--yes]
                                          buy a download licence under the terms shown now (or --terms ID);
                                          asks before extending a licence you hold (--yes: without asking)
  datagora download <id>… --out PATH     decrypt to PATH (a file or directory; a directory for several
                                          ids, all opened with one wallet signature), SHA-256 verified
  datagora update <id> [--title T] [--description D] [--tags a,b] [--price USDC] [--compute-price USDC]
  datagora delist <id> | relist <id>     stop or resume sales (licences sold stay valid)
  datagora withdraw                      collect your sales revenue
  datagora balance                       stablecoin, revenue to withdraw, gas

Compute-to-data:
  datagora templates [--provider ID]     the analysis templates a provider runs, with their parameters
  datagora compute <datasetId[,datasetId…]> --template NAME --params JSON [--model FILE (evaluate)]
  datagora compute <datasetId[,datasetId…]> --algorithm FILE [--params JSON] [--provider ID]
                  [--environment I] [--max-minutes N] [--ai-training] [--wait] [--out DIR]
                                          pay a job into escrow and run FILE (.py / .js) next to the data;
                                          prints the job id, or with --wait follows it and fetches the
                                          results and receipt into DIR. Several datasets (3,10): one job on
                                          a provider every owner allows, each at /data/inputs/<id>/0; each
                                          fee and the total are printed, then escrowed in one payment
  datagora federate <datasetId,datasetId…> --algorithm FILE --dimension D [--params JSON]
                  [--providers P,P] [--rounds R] [--clip C] [--noise Z] [--loss-bound L]
                  [--max-minutes N] [--round-timeout S] [--out FILE]
                                          federated training (FedAvg) over 2 to 8 datasets: each trains on a
                                          provider its owner allows (a different one each, or --providers in
                                          the same order), which clips and noises its update (noise z·C) and
                                          masks it, so this machine, the aggregator, learns only the sum;
                                          writes the final model's weights (JSON) to FILE and settles every
                                          job with it (publish it with --derived-from-job FIRST_JOB);
                                          --loss-bound: each round's loss, clamped to L and noised like the
                                          updates (its ε counted too)
  datagora job <id> [--wait] [--out DIR] [--cancel | --refund]
                                          a job's status; fetch its results; cancel it before it starts;
                                          take the escrow back after its deadline (a job over several
                                          datasets: every one of its jobs)
  datagora receipt verify <receipt.json> [--results DIR]
                                          check a receipt's signature, its on-chain settlement and files
  datagora algorithms approve|revoke <datasetId> <sha256 | FILE>
  datagora algorithms pending <datasetId> | hash <FILE>
                                          (owners) the algorithms allowed on a dataset and the queue
  datagora providers [of <datasetId>]    registered compute providers and their prices (of: those the
                                          dataset allows)
  datagora providers allow|withdraw <datasetId> <id[,id…]>
                                          (owners) which providers may run jobs on a dataset
  datagora budget <datasetId>            the dataset's release budget (ε, bytes) and what each buyer's
                                          jobs spent and released (from the indexer)
  datagora budget set <datasetId> [--epsilon E] [--epsilon-per-buyer E] [--max-release-kb N]
                  [--max-buyer-release-kb N]
                                          (owners) replace it for jobs requested from now on: a limit not
                                          given is none (any algorithm: 64 kB a job unless told)

Analytics (from the indexer; wash trades left out unless --include-wash):
  datagora stats [--json] [--include-wash] [--csv REPORT] [--from YYYY-MM-DD --to YYYY-MM-DD] [--dataset ID]
                                          totals, revenue split, repeat buyers, top datasets, licence mix
                                          and providers (with --from/--to: per day); --csv prints one report:
                                          totals, daily, top-datasets, revenue-split, repeat-buyers,
                                          price-distribution, licence-mix, providers, dataset-sales (needs
                                          --dataset), wash-trades

Services (each also part of \`npm start\`):
  datagora keynode --index I             one key node of the local threshold network
  datagora ipfs                          the embedded IPFS (Helia) node with its Kubo RPC API
  datagora indexer                       the indexer: contract events into PGlite (or Postgres at
                                          DATABASE_URL), with the search and analytics read API
  datagora provider [--account N | --private-key-env VAR]
                                          a compute provider node (bubblewrap sandbox), run by that operator
  datagora web [--hostname H] [--port P]  the web app's production server (after \`npm run build\`), with the
                                          market's pages kept per chain head
  datagora help

Configuration comes from DATAGORA_* environment variables (see README).`;

export { UsageError };

async function start(args: string[], root: string): Promise<number> {
  const { values } = parseArgs({ args, options: { dev: { type: 'boolean', default: false } } });
  // Signals are taken from the first moment: Ctrl-C while the market starts stops what already runs.
  const [{ startStack }, { loadConfig }] = await Promise.all([import('../stack'), import('../config')]);
  const starting = new AbortController();
  let stack: Stack | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => (stack ? void stack.stop(signal) : starting.abort(signal)));
  try {
    stack = await startStack(loadConfig(), { root, dev: values.dev, signal: starting.signal });
  } catch (error) {
    if (starting.signal.aborted) return 0;
    throw error;
  }
  const reason = await stack.stopped;
  return reason.startsWith('SIG') ? 0 : 1;
}

async function deploy(args: string[]): Promise<number> {
  const options = {
    'rpc-url': { type: 'string' },
    'private-key-env': { type: 'string' },
    out: { type: 'string' },
    'fee-bps': { type: 'string', default: '250' },
    treasury: { type: 'string' },
    stablecoin: { type: 'string' },
    'mock-stablecoin': { type: 'boolean', default: false },
  } as const;
  const { values } = parseArgs({ args: withNegativeValues(args, options), options });
  const rpcUrl = values['rpc-url'];
  const keyVar = values['private-key-env'];
  if (!rpcUrl || !keyVar) throw new UsageError('deploy needs --rpc-url and --private-key-env');
  const key = process.env[keyVar];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new UsageError(`environment variable ${keyVar} must hold a 0x-prefixed 32-byte private key`);
  }
  const feeBps = Number(values['fee-bps']);
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 1000) throw new UsageError('--fee-bps must be an integer from 0 to 1000');
  const [{ isAddress }, { privateKeyToAccount }] = await Promise.all([import('viem'), import('viem/accounts')]);
  if (values.treasury !== undefined && !isAddress(values.treasury)) throw new UsageError('--treasury must be an address');
  if (values.stablecoin !== undefined && !isAddress(values.stablecoin)) throw new UsageError('--stablecoin must be an address');
  if (values.stablecoin === undefined && !values['mock-stablecoin']) {
    throw new UsageError('choose the currency: --stablecoin ADDRESS (e.g. a testnet USDC) or --mock-stablecoin');
  }

  const { connectPublic, deployMarket, walletFor, writeDeployments } = await import('../chain');
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
  const [{ checkHealth }, { loadConfig }] = await Promise.all([import('../health'), import('../config')]);
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

/** Resolves on the first SIGINT / SIGTERM / SIGHUP. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal));
  });
}

async function ipfs(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const [{ startStorageNode }, { loadConfig }] = await Promise.all([import('../storage/node'), import('../config')]);
  const config = loadConfig();
  if (config.storage.adapter !== 'helia') throw new UsageError('DATAGORA_STORAGE=kubo uses an external IPFS node: there is no embedded one to run');
  const node = await startStorageNode({ host: config.storage.host, port: config.storage.port, dir: config.storage.dir }, (line) => console.log(line));
  console.log(`Helia node serving the Kubo RPC API on ${node.url} (blocks in ${config.storage.dir})`);
  await untilSignal();
  await node.stop();
  return 0;
}

async function web(args: string[]): Promise<number> {
  const options = { hostname: { type: 'string' }, port: { type: 'string' } } as const;
  const { values } = parseArgs({ args, options });
  const [{ serveWeb }, { loadConfig }] = await Promise.all([import('../stack/web-server'), import('../config')]);
  const config = loadConfig();
  const port = values.port === undefined ? config.web.port : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`--port must be a TCP port, not "${values.port}"`);
  await serveWeb(config, process.cwd(), { host: values.hostname ?? config.web.host, port });
  await untilSignal();
  return 0;
}

async function indexer(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const [{ startIndexerService }, { loadConfig }] = await Promise.all([import('../indexer/service'), import('../config')]);
  const service = await startIndexerService(loadConfig(), (line) => console.log(line));
  await untilSignal();
  await service.stop();
  return 0;
}

async function keynode(args: string[]): Promise<number> {
  const options = { index: { type: 'string' } } as const;
  const { values } = parseArgs({ args: withNegativeValues(args, options), options });
  const [{ startKeyNode }, { readDeployments }, { loadConfig }] = await Promise.all([import('../access/node'), import('../chain'), import('../config')]);
  const config = loadConfig();
  const network = config.keyNetwork;
  if (network.adapter !== 'local') throw new UsageError('DATAGORA_KEY_NETWORK=lit uses the Lit network: there is no local key node to run');
  const index = Number(values.index);
  if (values.index === undefined || !Number.isInteger(index) || index < 0 || index >= network.nodes) {
    throw new UsageError(`keynode needs --index from 0 to ${network.nodes - 1} (DATAGORA_KEYNODES=${network.nodes})`);
  }
  const deployments = readDeployments(config.deploymentsFile);
  const node = await startKeyNode({
    index,
    dir: network.dir,
    host: network.host,
    port: network.basePort + index,
    rpcUrl: config.chain.rpcUrl,
    chainId: deployments.chainId,
    siweDomain: config.siweDomain,
    log: (line) => console.log(line),
  });
  await untilSignal();
  await node.stop();
  return 0;
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
      case 'publish':
        return await (await import('./owner')).publish(args);
      case 'datasets':
        return await (await import('./market')).datasets(args);
      case 'show':
        return await (await import('./market')).show(args);
      case 'lineage':
        return await (await import('./lineage')).lineage(args);
      case 'buy':
        return await (await import('./market')).buy(args);
      case 'download':
        return await (await import('./market')).download(args);
      case 'update':
        return await (await import('./owner')).update(args);
      case 'delist':
        return await (await import('./owner')).delist(args);
      case 'relist':
        return await (await import('./owner')).delist(args, true);
      case 'withdraw':
        return await (await import('./owner')).withdraw(args);
      case 'balance':
        return await (await import('./market')).balance(args);
      case 'compute':
        return await (await import('./compute')).compute(args);
      case 'job':
        return await (await import('./compute')).job(args);
      case 'federate':
        return await (await import('./federated')).federate(args);
      case 'receipt':
        return await (await import('./compute')).receipt(args);
      case 'algorithms':
        return await (await import('./compute')).algorithms(args);
      case 'providers':
        return await (await import('./compute')).providers(args);
      case 'templates':
        return await (await import('./compute')).templates(args);
      case 'budget':
        return await (await import('./budget')).budget(args);
      case 'provider':
        return await (await import('./compute')).provider(args);
      case 'stats':
        return await (await import('./stats')).stats(args);
      case 'indexer':
        return await indexer(args);
      case 'web':
        return await web(args);
      case 'keynode':
        return await keynode(args);
      case 'ipfs':
        return await ipfs(args);
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
    // Anything else is unexpected: one line by default, the whole story with DATAGORA_DEBUG=1.
    if (process.env.DATAGORA_DEBUG) {
      console.error(error);
      return 1;
    }
    const { BaseError } = await import('viem');
    console.error(`Error: ${error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message.split('\n')[0] : String(error)}\n  → rerun with DATAGORA_DEBUG=1 for details`);
    return 1;
  }
}
