/**
 * Differential privacy for released analysis results: the Laplace and Gaussian mechanisms, the ε budget as the
 * chain accounts it, and the randomness and normal CDF they rest on. Framework-free, no dependencies.
 */
export * from './budget';
export { PrivacyParameterError } from './errors';
export * from './mechanisms';
export * from './normal';
export * from './random';
