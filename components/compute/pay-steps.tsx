/**
 * Where a paying form stands: the note that some choices are invalid, and its steps (quote, pay, send) ticked off
 * while it works or after it failed. The job form and the federated form show the same progress with their words.
 */
export function PaySteps<S extends string>({ steps, step, show, invalid }: { steps: readonly { step: S; label: string }[]; step: S | null; show: boolean; invalid: boolean }) {
  const at = steps.findIndex((entry) => entry.step === step);
  return (
    <>
      {invalid ? (
        <p role="alert" className="text-sm text-warn">
          Some choices are missing or invalid: see above.
        </p>
      ) : null}
      {step && show ? (
        <ol className="space-y-1 text-sm">
          {steps.map(({ step: s, label }, i) => (
            <li key={s} aria-current={s === step ? 'step' : undefined} className={i < at ? 'text-ok' : s === step ? 'font-medium text-ink' : 'text-muted'}>
              {i < at ? '✓' : `${i + 1}.`} {label}
            </li>
          ))}
        </ol>
      ) : null}
    </>
  );
}
