/** Display formats of the dataset page. */
const dateTime = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** "Nov 24, 2026, 1:04 AM UTC": one time zone for every visitor, as the chain and the indexer count days. */
export function formatDateTime(date: Date): string {
  return `${dateTime.format(date)} UTC`;
}

/** 0x1234…cdef: enough to recognise a hash; the full one goes in a title or next to it. */
export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 8)}…${hash.slice(-6)}` : hash;
}
