/**
 * Transaction links with a block explorer configured: every hash on the pages links to /tx/<hash>, and that page
 * sends the visitor on to the explorer DATAGORA_EXPLORER_URL names, without asking the chain.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import TransactionRoute from '@/app/tx/[hash]/page';
import { TxLink } from '@/components/tx/tx-link';

// Next's guard against importing server code into the browser bundle: a module only Next's bundler resolves.
jest.mock('server-only', () => ({}), { virtual: true });

const HASH = `0x${'ab'.repeat(32)}`;
const visit = (hash: string) => TransactionRoute({ params: Promise.resolve({ hash }) });

describe('transaction links with DATAGORA_EXPLORER_URL', () => {
  const before = process.env.DATAGORA_EXPLORER_URL;
  afterEach(() => {
    if (before === undefined) delete process.env.DATAGORA_EXPLORER_URL;
    else process.env.DATAGORA_EXPLORER_URL = before;
  });

  it('links a hash to its transaction page, shortened, with the full hash in the title', () => {
    const html = renderToStaticMarkup(createElement(TxLink, { hash: HASH }));
    expect(html).toContain(`href="/tx/${HASH}"`);
    expect(html).toContain(`title="${HASH}"`);
    expect(html).toContain('>0xababab…ababab<');
  });

  it('sends the transaction page on to the explorer’s page for the hash (307), trailing slash or not', async () => {
    for (const explorer of ['https://explorer.example/base', 'https://explorer.example/base/']) {
      process.env.DATAGORA_EXPLORER_URL = explorer;
      await expect(visit(HASH)).rejects.toMatchObject({ digest: `NEXT_REDIRECT;replace;https://explorer.example/base/tx/${HASH};307;` });
    }
  });

  it('answers 404 for a malformed hash instead of sending it to the explorer', async () => {
    process.env.DATAGORA_EXPLORER_URL = 'https://explorer.example';
    for (const hash of ['0xzz', `${HASH}00`, HASH.slice(2)]) {
      await expect(visit(hash)).rejects.toMatchObject({ digest: 'NEXT_HTTP_ERROR_FALLBACK;404' });
    }
  });
});
