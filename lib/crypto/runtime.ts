/**
 * Node's built-in modules when running on Node, found at run time so browser bundles neither include nor try
 * to resolve them (no `require`/`import` for a bundler to see).
 */
import type * as NodeCrypto from 'node:crypto';

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

/** `node:crypto` on Node ≥ 20.16 (which has process.getBuiltinModule); undefined in browsers. */
export function nodeCrypto(): typeof NodeCrypto | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  return process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
}
