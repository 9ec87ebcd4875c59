// @ts-check
/** Next.js configuration: App Router, default output; the repo itself is the workspace root. */
/** @type {import('next').NextConfig} */
const nextConfig = {
  typedRoutes: false,
  // Pin the root so Next does not guess it from a lockfile in a parent directory.
  turbopack: { root: __dirname },
  outputFileTracingRoot: __dirname,
};

module.exports = nextConfig;
