/** Datagora's mark: the columns of an agora under a pediment, drawn in the current text colour. */
export function Logo({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" focusable="false" className={className}>
      <path d="M16 3 3 10h26L16 3Z" fill="currentColor" />
      <rect x="6" y="12" width="3" height="12" rx="1" fill="currentColor" />
      <rect x="12" y="12" width="3" height="12" rx="1" fill="currentColor" opacity="0.75" />
      <rect x="17" y="12" width="3" height="12" rx="1" fill="currentColor" opacity="0.75" />
      <rect x="23" y="12" width="3" height="12" rx="1" fill="currentColor" />
      <rect x="3" y="26" width="26" height="3" rx="1" fill="currentColor" />
    </svg>
  );
}
