/**
 * The end of a federated job at this node: the final model the buyer's aggregator sends becomes the job's outputs
 * (model.json, beside rounds.json with every round receipt this node signed), encrypted to the buyer; the node signs
 * the job's receipt and settles it delivered, so the final model's SHA-256 is in the outputs root every job of the
 * run settled with, and the model can be published as a derivative of every dataset that trained it.
 *
 * A buyer who drives rounds and never finishes has the model already (it aggregates every round itself): were the
 * job left open, it could take the whole escrow back after the deadline. So a session that released updates and is
 * still open close to its deadline is settled by the node itself (`settleUnfinished`), delivered with the round
 * receipts alone: the owner is paid for its data and the provider for its minutes.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { contractsOf } from '../../../contracts';
import { createWorkspace } from '../../../os/workspace';
import { ProviderRequestError } from '../../errors';
import { settledResultHash, signReceipt, type Receipt } from '../../receipt';
import { filesHash, storeResults } from '../../results';
import { JobStatus, signJobResult } from '../../settlement';
import { modelFile } from '../../../federated';
import { jobStruct } from '../jobs';
import { NODE_SOFTWARE } from '../pipeline';
import type { FederatedContext } from './round';
import type { FederatedSession } from './session';

/** Room for the final model as JSON (~25 bytes a coordinate) and the round receipts. */
const OUTPUTS_BYTES = 64 << 20;

/** What finishing answers, as GET /api/v1/jobs/<id>/results does for a job. */
export function resultsView(session: FederatedSession) {
  return { jobId: session.jobId, status: session.status, receipt: session.receipt ?? null, results: session.results ?? null, settlement: session.settlement ?? null };
}

/** How long before its deadline a session that released updates and was never finished is settled by the node. */
export const SELF_SETTLE_MARGIN_S = 10 * 60;

/**
 * Writes the outputs — the final `model` the buyer sent, or none when the node settles on its own — settles the
 * job delivered and records it; the caller holds the session's lock. A session cut off while publishing (the node
 * stopped) or whose settlement failed finishes again while its job is still open.
 */
export async function finishSession(ctx: FederatedContext, session: FederatedSession, model: Float64Array | undefined): Promise<FederatedSession> {
  const id = session.jobId;
  const jobId = BigInt(id);
  const job = jobStruct(session.job);
  const { market } = ctx;
  const { chainId } = market.deployments;
  const computeMarket = contractsOf(market.deployments).computeMarket;
  const status = await market.publicClient.readContract({ ...computeMarket, functionName: 'jobStatus', args: [jobId] });
  if (status !== JobStatus.Accepted) throw new ProviderRequestError(409, 'job-closed', `job ${id} is no longer running on-chain (status ${status})`);
  ctx.sessions.update(id, { status: 'publishing', detail: model ? 'encrypting the final model to the buyer and settling' : 'the buyer never finished: settling the updates released before the deadline' });
  const workspace = await createWorkspace(ctx.workDir, OUTPUTS_BYTES);
  try {
    const outputs = path.join(workspace.dir, 'outputs');
    await mkdir(outputs);
    if (model) await writeFile(path.join(outputs, 'model.json'), modelFile(model));
    const receipts = session.rounds.flatMap((entry) => (entry.receipt ? [entry.receipt] : []));
    await writeFile(path.join(outputs, 'rounds.json'), JSON.stringify(receipts));
    const stored = await storeResults(market.store, jobId, { outputs }, session.resultKey);
    const environment = ctx.environment(job.environment);
    const minutesUsed = Math.min(job.maxMinutes, Math.max(1, Math.ceil(session.wallMs / 60_000)));
    const receipt: Receipt = {
      jobId: id,
      datasetId: session.datasetId,
      datasetCid: session.datasetCid,
      algorithmHash: job.algorithmHash,
      outputHash: stored.outputHash,
      outputsRoot: stored.outputsRoot,
      logsHash: filesHash([]),
      resultsCid: stored.cid,
      status: 'finished',
      reason: '',
      exitCode: 0,
      minutesUsed,
      delivered: true,
      environment: job.environment,
      hardware: environment.hardware,
      nodeVersion: NODE_SOFTWARE,
      startedAt: Math.floor(Date.parse(session.joinedAt) / 1000).toString(),
      finishedAt: Math.floor(Date.now() / 1000).toString(),
    };
    const signed = await signReceipt(ctx.node, receipt, chainId, computeMarket.address);
    const resultHash = settledResultHash(receipt, chainId, computeMarket.address);
    // Every released byte stays counted against the buyer's byte budget: the updates and the final outputs.
    const total = BigInt(session.bytesReleased + stored.outputs.reduce((sum, file) => sum + file.size, 0));
    const releasedBytes = total < job.releaseBytes ? total : job.releaseBytes;
    const signature = await signJobResult(ctx.node, { chainId, computeMarket: computeMarket.address }, { jobId, resultHash, minutesUsed, delivered: true, releasedBytes });
    const { hash } = await market.send(`settle federated job ${id}`, { ...computeMarket, functionName: 'submitResult', args: [jobId, job, resultHash, minutesUsed, true, releasedBytes, signature] });
    return ctx.sessions.update(id, {
      status: 'finished',
      detail: model ? `settled in ${hash}` : `the buyer never finished: settled by the node in ${hash}, with the round receipts and no final model`,
      receipt: signed,
      results: { cid: stored.cid, wrappedKey: stored.wrappedKey },
      settlement: { txHash: hash, delivered: true },
      finishedAt: new Date().toISOString(),
    });
  } catch (error) {
    // The message may name the outputs (storing them failed): the node's log has it, the session does not.
    ctx.log(`federated job ${id}: settlement failed: ${(error as Error).message}`);
    ctx.sessions.update(id, { status: 'failed', detail: 'could not settle on-chain: finish again, or refund after the deadline' });
    throw new ProviderRequestError(502, 'settlement-failed', `job ${id} could not be settled on-chain`, 'finish again, or refund the job after its deadline');
  } finally {
    await workspace.wipe();
  }
}
