/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } }, module: { type: 'commonjs', ignoreDynamic: true } }] },
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/$1' },
  testTimeout: 120000,
  forceExit: true,
  // On a 2-core machine jest would run every suite in its own main process, one after another, and that heap grows
  // (3.3 GB by the end of a CI run, near V8's limit): a worker recycled once it holds more than this stays small.
  workerIdleMemoryLimit: '1GB',
};
