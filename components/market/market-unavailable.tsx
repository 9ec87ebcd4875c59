import { ReadFailure } from '@/components/layout/read-failure';
import type { MarketProblem, MarketUnavailable as Unavailable } from '@/lib/web/queries/market';

const EXPLANATIONS: Record<MarketProblem, { title: string; body: string }> = {
  config: {
    title: 'The market is not configured correctly',
    body: 'Datagora could not read its configuration, so it does not know which chain to talk to.',
  },
  deployments: {
    title: 'The market’s contracts are not deployed yet',
    body: 'There is no deployments file telling Datagora where its contracts live. Nothing is lost: once they are deployed, this page fills itself in.',
  },
  chain: {
    title: 'The blockchain is not answering',
    body: 'Datagora reads every number on this page from the chain, and the chain did not reply. Datasets and licences are safe on-chain; they will show again as soon as the node is back.',
  },
  contracts: {
    title: 'The market’s contracts do not answer on this chain',
    body: 'The chain is up, but the contracts listed in the deployments file did not respond — they may have been deployed to another chain or a chain that was reset.',
  },
};

/** A friendly status box shown instead of the market's numbers when they cannot be read. */
export function MarketUnavailable({ status }: { status: Unavailable }) {
  const { title, body } = EXPLANATIONS[status.problem];
  return <ReadFailure title={title} body={body} message={status.message} hint={status.hint} heading="h3" details={status.rpcUrl ? [{ label: 'RPC endpoint', value: status.rpcUrl }] : []} />;
}
