/**
 * The deployments file: where the market's contracts live on one chain. Written by `datagora deploy`
 * (or by `npm start` on the embedded chain) and read by the app, the CLI and the tests.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getAddress, isAddress, type Address } from 'viem';
import { z } from 'zod';
import { DeploymentsError } from './errors';

const address = z
  .string()
  .refine((value) => isAddress(value), 'not an address')
  .transform((value) => getAddress(value));

export const deploymentsSchema = z.object({
  chainId: z.number().int().positive(),
  /** Block of the first deployment transaction: where indexers start. */
  startBlock: z.number().int().nonnegative(),
  deployer: address,
  deployedAt: z.iso.datetime(),
  feeBps: z.number().int().min(0).max(10_000),
  contracts: z.object({
    datasetRegistry: address,
    marketplace: address,
    computeMarket: address,
  }),
  /** The stablecoin new terms are priced in. */
  stablecoin: z.object({ address, symbol: z.string(), decimals: z.number().int(), mock: z.boolean() }),
});

export type Deployments = z.infer<typeof deploymentsSchema>;
export type ContractName = keyof Deployments['contracts'];
export type { Address };

/** Reads and validates a deployments file. */
export function readDeployments(file: string): Deployments {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new DeploymentsError(file, 'cannot be read', cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new DeploymentsError(file, 'is not JSON', cause);
  }
  const parsed = deploymentsSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeploymentsError(file, parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Writes `deployments` to `file` (creating its directory). */
export function writeDeployments(file: string, deployments: Deployments): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(deploymentsSchema.parse(deployments), null, 2) + '\n');
}
