/** Typed ABIs and bytecode of the market's contracts, generated from contracts/ by `npm run contracts`. */
export * from './generated';
export * from './market';
export type * from './types';
