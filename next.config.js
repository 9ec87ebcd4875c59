// @ts-check
/** Next.js configuration: App Router, default output; the repo itself is the workspace root. */
/** @type {import('next').NextConfig} */
const nextConfig = {
  typedRoutes: false,
  // Pin the root so Next does not guess it from a lockfile in a parent directory.
  turbopack: {
    root: __dirname,
    // Optional packages of a wallet SDK that are never loaded (scripts/absent-module.js says why).
    resolveAlias: Object.fromEntries(
      ['@x402/core/client', '@x402/evm', '@x402/evm/exact/client', '@x402/evm/upto/client', '@x402/svm/exact/client'].map((name) => [name, './scripts/absent-module.js']),
    ),
  },
  outputFileTracingRoot: __dirname,
  // Loaded by Node at run time instead of bundled: native addons, wasm and ESM-only IPFS packages.
  serverExternalPackages: [
    '@chainsafe/blst',
    '@lit-protocol/crypto',
    '@lit-protocol/lit-node-client',
    '@lit-protocol/access-control-conditions',
    '@lit-protocol/access-control-conditions-schemas',
    '@lit-protocol/constants',
    '@noble/curves',
    '@noble/hashes',
    'multiformats',
    'busboy',
    'helia',
    '@helia/unixfs',
    'blockstore-fs',
    'datastore-fs',
    'kubo-rpc-client',
    '@ipld/dag-json',
  ],
};

module.exports = nextConfig;
