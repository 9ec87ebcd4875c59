import type { MarketProblem, MarketUnavailable as Unavailable } from './read-market';

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
  return (
    <div role="status" className="rounded-xl border border-warn/40 bg-warn-soft p-6 shadow-sm">
      <div className="flex items-start gap-4">
        <svg viewBox="0 0 24 24" aria-hidden="true" className="mt-0.5 size-6 shrink-0 text-warn" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M12 9v4m0 4h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <div className="min-w-0 space-y-3">
          <h3 className="text-lg font-semibold">{title}</h3>
          <p className="text-muted">{body}</p>
          <dl className="space-y-2 text-sm">
            <div>
              <dt className="font-medium">What happened</dt>
              <dd className="mt-1">
                <code className="font-mono text-xs break-words">{status.message}</code>
              </dd>
            </div>
            <div>
              <dt className="font-medium">What an operator can do</dt>
              <dd className="mt-1 text-muted">
                <Hint text={status.hint} />
              </dd>
            </div>
            {status.rpcUrl && (
              <div>
                <dt className="font-medium">RPC endpoint</dt>
                <dd className="mt-1">
                  <code className="font-mono text-xs break-all">{status.rpcUrl}</code>
                </dd>
              </div>
            )}
          </dl>
        </div>
      </div>
    </div>
  );
}

/** Hints quote commands between backticks; show those as code. */
function Hint({ text }: { text: string }) {
  return text.split('`').map((part, index) =>
    index % 2 === 1 ? (
      <code key={index} className="rounded bg-surface px-1 py-0.5 font-mono text-xs text-ink">
        {part}
      </code>
    ) : (
      part
    ),
  );
}
