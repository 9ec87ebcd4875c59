/** The bottom of every page: what Datagora is in one line, and where operators check its health. */
export function SiteFooter() {
  return (
    <footer className="mt-24 border-t border-line">
      <div className="mx-auto flex max-w-6xl flex-col gap-3 px-4 py-8 text-sm text-muted sm:flex-row sm:items-center sm:justify-between sm:px-6">
        <p>
          <span className="font-semibold text-ink">Datagora</span> — datasets encrypted on IPFS, licences on-chain, compute
          where the data lives.
        </p>
        <p>
          <a href="/api/health" className="underline decoration-line underline-offset-4 hover:text-ink hover:decoration-current">
            Service health (JSON)
          </a>
        </p>
      </div>
    </footer>
  );
}
