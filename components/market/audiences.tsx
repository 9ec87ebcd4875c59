const AUDIENCES = [
  {
    title: 'Data owners',
    summary: 'Publish once, get paid every time your data is used — without handing it over.',
    points: [
      'Datasets are encrypted before they reach IPFS; only licence holders get the key.',
      'Set your own terms: price, duration, AI-training and commercial rights, download or compute-only.',
      'Sales settle on-chain straight to your withdrawable balance.',
    ],
  },
  {
    title: 'AI builders',
    summary: 'Find training data with clear rights attached, and prove you are allowed to use it.',
    points: [
      'Buy a licence and decrypt the dataset, with the licence recorded on-chain.',
      'Or pay for a compute-to-data job: your code runs next to the data, you get the results.',
      'Every licence and job is verifiable by anyone, forever.',
    ],
  },
  {
    title: 'Investors',
    summary: 'Watch a data economy form in the open, block by block.',
    points: [
      'Every dataset, licence, provider and job is public on-chain state.',
      'Fees and payments are readable by anyone, no private dashboard needed.',
      'Follow the same live numbers shown on this page.',
    ],
  },
] as const;

/** What Datagora offers each of its three audiences. */
export function Audiences() {
  return (
    <div className="grid gap-4 md:grid-cols-3">
      {AUDIENCES.map((audience) => (
        <article key={audience.title} className="flex flex-col rounded-xl border border-line bg-surface p-6 shadow-sm">
          <h3 className="text-lg font-semibold">{audience.title}</h3>
          <p className="mt-2 text-muted">{audience.summary}</p>
          <ul className="mt-4 space-y-2 text-sm">
            {audience.points.map((point) => (
              <li key={point} className="flex gap-2">
                <span aria-hidden="true" className="mt-2 size-1.5 shrink-0 rounded-full bg-brand" />
                <span>{point}</span>
              </li>
            ))}
          </ul>
        </article>
      ))}
    </div>
  );
}
