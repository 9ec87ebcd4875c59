/** A status box shown instead of figures that cannot be read: what happened, and what an operator can do. */
export function ReadFailure({
  title,
  body,
  message,
  hint,
  heading: Heading = 'h2',
  details = [],
}: {
  title: string;
  body: string;
  message: string;
  hint: string;
  /** The heading level that fits where the box sits. */
  heading?: 'h2' | 'h3';
  /** More facts, such as the endpoint that did not answer. */
  details?: { label: string; value: string }[];
}) {
  return (
    <div role="status" className="rounded-xl border border-warn/40 bg-warn-soft p-6 shadow-sm">
      <div className="flex items-start gap-4">
        <svg viewBox="0 0 24 24" aria-hidden="true" className="mt-0.5 size-6 shrink-0 text-warn" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M12 9v4m0 4h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <div className="min-w-0 space-y-3">
          <Heading className="text-lg font-semibold">{title}</Heading>
          <p className="text-muted">{body}</p>
          <dl className="space-y-2 text-sm">
            <div>
              <dt className="font-medium">What happened</dt>
              <dd className="mt-1">
                <code className="font-mono text-xs break-words">{message}</code>
              </dd>
            </div>
            <div>
              <dt className="font-medium">What an operator can do</dt>
              <dd className="mt-1 text-muted">
                {/* Hints quote commands between backticks. */}
                {hint.split('`').map((part, i) =>
                  i % 2 === 1 ? (
                    <code key={i} className="rounded bg-surface px-1 py-0.5 font-mono text-xs text-ink">
                      {part}
                    </code>
                  ) : (
                    part
                  ),
                )}
              </dd>
            </div>
            {details.map((detail) => (
              <div key={detail.label}>
                <dt className="font-medium">{detail.label}</dt>
                <dd className="mt-1">
                  <code className="font-mono text-xs break-all">{detail.value}</code>
                </dd>
              </div>
            ))}
          </dl>
        </div>
      </div>
    </div>
  );
}
