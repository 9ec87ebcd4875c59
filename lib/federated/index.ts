/**
 * Federated training across providers, framework-free: the plan every job of a run commits to, the fixed-point ring
 * and pairwise masks of secure aggregation, DP-FedAvg's clipping, noise and ε, and the aggregator's FedAvg step.
 * No Node imports: the buyer's browser aggregates and the provider nodes mask with the same code.
 */
export * from './aggregate';
export * from './dp';
export * from './errors';
export * from './fixed';
export * from './masks';
export * from './model';
export * from './plan';
export * from './update';
