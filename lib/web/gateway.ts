/** GET and HEAD /ipfs/<cid>: the file from this server's content store, streamed, with Range and If-None-Match. */
import { gatewayResponse } from '../storage/gateway';
import { contentStore } from './services';

export async function gatewayAnswer(request: Request, cid: string): Promise<Response> {
  return gatewayResponse(await contentStore(), cid, request);
}
