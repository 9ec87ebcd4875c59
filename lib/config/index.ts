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
    DATAGORA_ANVIL_PORT: port.default(8545),
    DATAGORA_DEPLOYMENTS: z.string().min(1).optional(),
    DATAGORA_HOST: z.string().min(1).default('127.0.0.1'),
    DATAGORA_PORT: port.default(3000),
    DATAGORA_FEE_BPS: bps.default(250),
  })
  .superRefine((env, ctx) => {
    if (env.DATAGORA_CHAIN === 'rpc' && !env.DATAGORA_RPC_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATAGORA_RPC_URL'], message: 'required when DATAGORA_CHAIN=rpc' });
    }
  });

export type ChainConfig =
  | { adapter: 'anvil'; host: string; port: number; rpcUrl: string; stateDir: string }
  | { adapter: 'rpc'; rpcUrl: string };

export interface Config {
  /** Directory for local state (chain state, deployments, caches); gitignored. */
  home: string;
  chain: ChainConfig;
  /** Deployments file the app reads contract addresses from. */
  deploymentsFile: string;
  web: { host: string; port: number; url: string };
  /** Market fee in basis points used when deploying. */
  feeBps: number;
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
    web: { host, port: e.DATAGORA_PORT, url: `http://${host}:${e.DATAGORA_PORT}` },
    feeBps: e.DATAGORA_FEE_BPS,
  };
}
