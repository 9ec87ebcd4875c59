import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const dynamic = 'force-dynamic';

/**
 * The example local step of federated training (examples/federated/local_logreg.py), for the compute page's
 * "use the example": read from the checkout the market runs from, so the page sends the very file the README
 * documents and the tests train with.
 */
export async function GET(): Promise<Response> {
  const file = path.join(/*turbopackIgnore: true*/ process.cwd(), 'examples', 'federated', 'local_logreg.py');
  try {
    return new Response(await readFile(file), { headers: { 'content-type': 'text/x-python; charset=utf-8', 'cache-control': 'no-cache' } });
  } catch {
    return Response.json({ error: 'NotFound', message: 'the example local step is not beside this web app', hint: 'run the market from a checkout that has examples/federated/local_logreg.py, or upload the file' }, { status: 404 });
  }
}
