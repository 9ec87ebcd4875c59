/**
 * The one typed configuration of Datagora, read from environment variables and validated with zod.
 * Each subsystem's adapter (embedded default or production) is chosen here, never in code.
 */
import path from 'node:path';
import { z } from 'zod';
import { DatagoraError } from '../errors';

const port = z.coerce.number().int().min(1).max(65_535);
const bps = z.coerce.number().int().min(0).max(10_000);

/** Every environment variable Datagora reads; the README's configuration table documents the same. */
export const envSchema = z
  .object({
    DATAGORA_HOME: z.string().min(1).default('.datagora'),
    DATAGORA_CHAIN: z.enum(['anvil', 'rpc']).default('anvil'),
    DATAGORA_RPC_URL: z.url().optional(),
    // Empty means unset: transactions open on the web app's own /tx page.
    DATAGORA_EXPLORER_URL: z.preprocess((value) => (value === '' ? undefined : value), z.url().optional()),
    DATAGORA_ANVIL_PORT: port.default(8545),
    DATAGORA_DEPLOYMENTS: z.string().min(1).optional(),
    DATAGORA_HOST: z.string().min(1).default('127.0.0.1'),
    DATAGORA_PORT: port.default(3000),
    DATAGORA_FEE_BPS: bps.default(250),
    DATAGORA_STORAGE: z.enum(['helia', 'kubo']).default('helia'),
    DATAGORA_IPFS_PORT: port.default(5001),
    DATAGORA_IPFS_API: z.url().optional(),
    DATAGORA_METADATA: z.enum(['ipfs', 'ceramic']).default('ipfs'),
    DATAGORA_CERAMIC_URL: z.preprocess((value) => (value === '' ? undefined : value), z.url().optional()),
    DATAGORA_KEY_NETWORK: z.enum(['local', 'lit']).default('local'),
    DATAGORA_KEYNODES: z.coerce.number().int().min(2).max(16).default(3),
    DATAGORA_KEYNODE_THRESHOLD: z.coerce.number().int().min(2).max(16).default(2),
    DATAGORA_KEYNODE_PORT: port.default(7470),
    DATAGORA_LIT_NETWORK: z.enum(['datil-dev', 'datil-test', 'datil']).default('datil-dev'),
    DATAGORA_SIWE_DOMAIN: z.string().min(1).optional(),
    DATAGORA_UPLOAD_SESSIONS: z.coerce.number().int().min(1).max(1_000).default(4),
    DATAGORA_UPLOAD_GIB: z.coerce.number().positive().default(16),
    DATAGORA_UPLOAD_IDLE_SECONDS: z.coerce.number().positive().default(600),
    DATAGORA_WALLETCONNECT_PROJECT_ID: z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(/^[0-9a-f]{32}$/, 'a WalletConnect Cloud project id (32 hex digits)').optional()),
    DATAGORA_COMPUTE: z.enum(['bubblewrap']).default('bubblewrap'),
    DATAGORA_PROVIDER_PORT: port.default(7480),
    DATAGORA_PROVIDER_URL: z.url().optional(),
    DATAGORA_PROVIDER_DIR: z.string().min(1).optional(),
    DATAGORA_SECOND_PROVIDER_PORT: port.optional(),
    DATAGORA_SECOND_PROVIDER_URL: z.url().optional(),
    DATAGORA_PROVIDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    DATAGORA_PROVIDER_PRICE: z.string().regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal amount like 0.05').default('0.05'),
    DATAGORA_PROVIDER_GPU_PRICE: z.string().regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal amount like 0.5').default('0.5'),
    DATAGORA_PROVIDER_JOB_MEMORY_MB: z.coerce.number().int().min(64).default(2048),
    DATAGORA_PROVIDER_JOB_DISK_MB: z.coerce.number().int().min(16).default(1024),
    // Empty means unset: the embedded PGlite.
    DATABASE_URL: z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional()),
    DATAGORA_INDEXER_PORT: port.default(7490),
    DATAGORA_INDEXER_URL: z.url().optional(),
    DATAGORA_INDEXER_CONFIRMATIONS: z.coerce.number().int().min(0).max(1_000).default(12),
    DATAGORA_INDEXER_BATCH_BLOCKS: z.coerce.number().int().min(1).max(100_000).default(2_000),
    DATAGORA_WASH_WINDOW_HOURS: z.coerce.number().min(0).max(24 * 365).default(168),
  })
  .superRefine((env, ctx) => {
    if (env.DATAGORA_CHAIN === 'rpc' && !env.DATAGORA_RPC_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_RPC_URL'], message: 'required when DATAGORA_CHAIN=rpc' });
    }
    if (env.DATAGORA_STORAGE === 'kubo' && !env.DATAGORA_IPFS_API) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_IPFS_API'], message: 'required when DATAGORA_STORAGE=kubo' });
    }
    if (env.DATAGORA_METADATA === 'ceramic' && !env.DATAGORA_CERAMIC_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_CERAMIC_URL'], message: 'required when DATAGORA_METADATA=ceramic' });
    }
    if (env.DATAGORA_KEYNODE_THRESHOLD > env.DATAGORA_KEYNODES) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_KEYNODE_THRESHOLD'], message: 'must not exceed DATAGORA_KEYNODES' });
    }
    const second = env.DATAGORA_SECOND_PROVIDER_PORT ?? env.DATAGORA_PROVIDER_PORT + 1;
    if (second === env.DATAGORA_PROVIDER_PORT || second > 65_535) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_SECOND_PROVIDER_PORT'], message: 'must be a port other than DATAGORA_PROVIDER_PORT (set it when that is 65535)' });
    }
  });

export type ChainConfig =
  | { adapter: 'anvil'; host: string; port: number; rpcUrl: string; stateDir: string }
  | { adapter: 'rpc'; rpcUrl: string };

/**
 * Content storage. `helia`: the embedded Helia node (started by `npm start`, blocks under `dir`) serves the
 * Kubo RPC API on `apiUrl`; `kubo`: a Kubo node or pinning service at `apiUrl`. Clients always speak Kubo RPC.
 */
export type StorageConfig = { adapter: 'helia'; apiUrl: string; host: string; port: number; dir: string } | { adapter: 'kubo'; apiUrl: string };

/**
 * Where dataset documents live. `ipfs`: signed DAG-JSON blocks in content storage; `ceramic`: one stream per
 * dataset on the Ceramic node at `url` (its HTTP API).
 */
export type MetadataConfig = { adapter: 'ipfs' } | { adapter: 'ceramic'; url: string };

/**
 * The key network guarding data keys. `local`: n Lit-compatible threshold nodes on consecutive ports from
 * `basePort` (node i listens on basePort + i), shares under `dir`; `lit`: the real Lit network.
 */
export type KeyNetworkConfig =
  | { adapter: 'local'; nodes: number; threshold: number; host: string; basePort: number; urls: string[]; dir: string }
  | { adapter: 'lit'; network: 'datil-dev' | 'datil-test' | 'datil' };

/**
 * The compute provider node. `bubblewrap`: jobs run in a bubblewrap sandbox on this machine (Kubernetes jobs
 * are the planned production engine). Prices are per minute in the market stablecoin, as decimal strings.
 */
export interface ComputeConfig {
  engine: 'bubblewrap';
  host: string;
  port: number;
  /** The endpoint registered on-chain, where buyers reach the node. */
  url: string;
  /** Jobs run at once; more wait in the queue. */
  concurrency: number;
  cpuPricePerMinute: string;
  gpuPricePerMinute: string;
  /** Memory limit of one job. */
  jobMemoryMb: number;
  /** Size of one job's private scratch space (decrypted data, outputs, logs). */
  jobDiskMb: number;
  /** Node key, job queue and algorithms. */
  dir: string;
  /**
   * The second node `datagora start` runs on the embedded chain (another operator, its own key and queue), so
   * one machine shows jobs across providers; the node reads it as its own port, endpoint and directory.
   */
  second: { port: number; url: string; dir: string };
}

/**
 * The indexer service and its database. `pglite`: embedded Postgres under `dir`; `postgres`: the server at
 * `url` (DATABASE_URL). Both use one schema and one set of migrations.
 */
export interface IndexerConfig {
  database: { adapter: 'pglite'; dir: string } | { adapter: 'postgres'; url: string };
  host: string;
  port: number;
  /** Where the web app and the CLI reach the indexer's read API. */
  url: string;
  /** Blocks re-read on every poll to notice a reorg; rows from orphaned blocks are dropped. */
  confirmations: number;
  /** Blocks per getLogs call while backfilling. */
  batchBlocks: number;
  /** A purchase is flagged when the owner funded the buyer within this many seconds before it. */
  washWindowSeconds: number;
}

/** Browser uploads to the web app (/api/uploads): what one signed-in account may hold open at once. */
export interface UploadsConfig {
  /** Upload sessions an account may have open at once. */
  sessionsPerAccount: number;
  /** Bytes an account's open sessions may declare together (the largest single upload too). */
  bytesPerAccount: number;
  /** A session with no part for this long is aborted and nothing of it is pinned. */
  idleMs: number;
}

export interface Config {
  /** Directory for local state (chain state, deployments, caches); gitignored. */
  home: string;
  chain: ChainConfig;
  /** Deployments file the app reads contract addresses from. */
  deploymentsFile: string;
  /** A block explorer for the chain (transactions open at `${explorerUrl}/tx/<hash>`); none: the web app's /tx page. */
  explorerUrl?: string;
  /** The web app; WalletConnect is offered only with a project id. */
  web: { host: string; port: number; url: string; walletConnectProjectId?: string };
  /** Market fee in basis points used when deploying. */
  feeBps: number;
  storage: StorageConfig;
  metadata: MetadataConfig;
  keyNetwork: KeyNetworkConfig;
  /** Domain that SIWE messages to the key network must name (default: the web app's host:port). */
  siweDomain: string;
  uploads: UploadsConfig;
  compute: ComputeConfig;
  indexer: IndexerConfig;
}

/** A configuration variable is missing or malformed. */
export class ConfigError extends DatagoraError {
  constructor(issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`, 'fix the environment variables named above (see the README table)');
  }
}

/** Reads and validates the configuration from `env` (default: process.env). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  // Paths come from the environment at run time: tell Next's file tracer not to follow them.
  const home = path.resolve(/*turbopackIgnore: true*/ e.DATAGORA_HOME);
  const host = e.DATAGORA_HOST;
  const secondProviderPort = e.DATAGORA_SECOND_PROVIDER_PORT ?? e.DATAGORA_PROVIDER_PORT + 1;
  const chain: ChainConfig =
    e.DATAGORA_CHAIN === 'anvil'
      ? {
          adapter: 'anvil',
          host,
          port: e.DATAGORA_ANVIL_PORT,
          rpcUrl: `http://${host}:${e.DATAGORA_ANVIL_PORT}`,
          stateDir: path.join(/*turbopackIgnore: true*/ home, 'chain'),
        }
      : { adapter: 'rpc', rpcUrl: e.DATAGORA_RPC_URL! };
  return {
    home,
    chain,
    deploymentsFile: path.resolve(/*turbopackIgnore: true*/ e.DATAGORA_DEPLOYMENTS ?? path.join(home, 'deployments.json')),
    ...(e.DATAGORA_EXPLORER_URL ? { explorerUrl: e.DATAGORA_EXPLORER_URL.replace(/\/+$/, '') } : {}),
    web: { host, port: e.DATAGORA_PORT, url: `http://${host}:${e.DATAGORA_PORT}`, ...(e.DATAGORA_WALLETCONNECT_PROJECT_ID ? { walletConnectProjectId: e.DATAGORA_WALLETCONNECT_PROJECT_ID } : {}) },
    feeBps: e.DATAGORA_FEE_BPS,
    storage:
      e.DATAGORA_STORAGE === 'helia'
        ? {
            adapter: 'helia',
            host,
            port: e.DATAGORA_IPFS_PORT,
            apiUrl: e.DATAGORA_IPFS_API ?? `http://${host}:${e.DATAGORA_IPFS_PORT}`,
            dir: path.join(/*turbopackIgnore: true*/ home, 'ipfs'),
          }
        : { adapter: 'kubo', apiUrl: e.DATAGORA_IPFS_API! },
    metadata: e.DATAGORA_METADATA === 'ceramic' ? { adapter: 'ceramic', url: e.DATAGORA_CERAMIC_URL! } : { adapter: 'ipfs' },
    keyNetwork:
      e.DATAGORA_KEY_NETWORK === 'local'
        ? {
            adapter: 'local',
            nodes: e.DATAGORA_KEYNODES,
            threshold: e.DATAGORA_KEYNODE_THRESHOLD,
            host,
            basePort: e.DATAGORA_KEYNODE_PORT,
            urls: Array.from({ length: e.DATAGORA_KEYNODES }, (_, i) => `http://${host}:${e.DATAGORA_KEYNODE_PORT + i}`),
            dir: path.join(/*turbopackIgnore: true*/ home, 'keynodes'),
          }
        : { adapter: 'lit', network: e.DATAGORA_LIT_NETWORK },
    siweDomain: e.DATAGORA_SIWE_DOMAIN ?? `${host}:${e.DATAGORA_PORT}`,
    uploads: {
      sessionsPerAccount: e.DATAGORA_UPLOAD_SESSIONS,
      bytesPerAccount: Math.floor(e.DATAGORA_UPLOAD_GIB * 1024 ** 3),
      idleMs: Math.round(e.DATAGORA_UPLOAD_IDLE_SECONDS * 1000),
    },
    compute: {
      engine: e.DATAGORA_COMPUTE,
      host,
      port: e.DATAGORA_PROVIDER_PORT,
      url: e.DATAGORA_PROVIDER_URL ?? `http://${host}:${e.DATAGORA_PROVIDER_PORT}`,
      concurrency: e.DATAGORA_PROVIDER_CONCURRENCY,
      cpuPricePerMinute: e.DATAGORA_PROVIDER_PRICE,
      gpuPricePerMinute: e.DATAGORA_PROVIDER_GPU_PRICE,
      jobMemoryMb: e.DATAGORA_PROVIDER_JOB_MEMORY_MB,
      jobDiskMb: e.DATAGORA_PROVIDER_JOB_DISK_MB,
      dir: e.DATAGORA_PROVIDER_DIR ? path.resolve(/*turbopackIgnore: true*/ e.DATAGORA_PROVIDER_DIR) : path.join(/*turbopackIgnore: true*/ home, 'provider'),
      second: {
        port: secondProviderPort,
        url: e.DATAGORA_SECOND_PROVIDER_URL ?? `http://${host}:${secondProviderPort}`,
        dir: path.join(/*turbopackIgnore: true*/ home, 'provider-2'),
      },
    },
    indexer: {
      database: e.DATABASE_URL ? { adapter: 'postgres', url: e.DATABASE_URL } : { adapter: 'pglite', dir: path.join(/*turbopackIgnore: true*/ home, 'indexer') },
      host,
      port: e.DATAGORA_INDEXER_PORT,
      url: e.DATAGORA_INDEXER_URL ?? `http://${host}:${e.DATAGORA_INDEXER_PORT}`,
      confirmations: e.DATAGORA_INDEXER_CONFIRMATIONS,
      batchBlocks: e.DATAGORA_INDEXER_BATCH_BLOCKS,
      washWindowSeconds: Math.round(e.DATAGORA_WASH_WINDOW_HOURS * 3600),
    },
  };
}
