// Stands in for optional packages that wallet SDKs reference but the market never runs: Coinbase's CDP SDK
// (pulled in by wagmi's Base Account connector) lazily imports x402 payment packages that are not installed.
// next.config.js aliases them here so the bundler resolves them; nothing calls into this module.
module.exports = {};
