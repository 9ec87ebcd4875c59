/**
 * The demo's derivative: a buyer trains a model on the compute-only ICU vitals through a compute job (the train
 * template, so the data never leaves the provider), publishes the model the job released as the data's derivative
 * — the registry checks the file is one of that job's outputs — with a price, and another account buys it, so the
 * vitals' owner sees its royalty arrive.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { ComputeClient } from '../compute/buyer/client';
import type { Market } from '../market';
import { parsePrice } from '../licence/presets';

/** Who does what in the demo's model story (dev account numbers). */
export const DEMO_MODEL = {
  trainer: 3,
  buyer: 5,
  title: 'ICU alert model (logistic regression)',
  price: '20',
  params: { model: 'logistic', target: 'alert', features: ['heart_rate', 'spo2', 'resp_rate'] },
};

/** Trains, publishes and sells the demo model on `vitalsId`; returns the model's id. */
export async function seedDemoModel(dir: string, vitalsId: bigint, marketOf: (account: number) => Promise<Market>, log: (line: string) => void): Promise<bigint> {
  const trainer = await marketOf(DEMO_MODEL.trainer);
  const client = new ComputeClient(trainer);
  const requested = await client.request({ datasetId: vitalsId, template: 'train', params: DEMO_MODEL.params, maxMinutes: 5 });
  const final = await client.follow(requested.jobId);
  if (final.status !== 'finished') throw new Error(`the demo's training job ${requested.jobId} ended ${final.status} (${final.reason ?? 'no reason'})`);
  const out = path.join(dir, `model-job-${requested.jobId}`);
  await client.results(requested.jobId, out);
  log(`  account ${DEMO_MODEL.trainer} trained a model on dataset ${vitalsId} in compute job ${requested.jobId}`);

  // The file is published under a name that says what it is; its bytes are the job's output, as the registry checks.
  const file = path.join(dir, 'icu-alert-model.json');
  copyFileSync(path.join(out, 'outputs', 'result.json'), file);
  const { datasetId } = await trainer.publish(
    file,
    {
      title: DEMO_MODEL.title,
      description: 'Predicts a nurse alert from heart rate, SpO2 and respiration. Trained by the train template on the compute-only ICU vitals, which it pays a 10 % royalty on every sale.',
      tags: ['health', 'model', 'icu'],
      derivation: { kind: 'model', parents: [{ parentId: vitalsId, jobId: requested.jobId }] },
    },
    { preset: 'ai-training' },
    { download: parsePrice(DEMO_MODEL.price, trainer.deployments.stablecoin.decimals), compute: 0n },
  );
  log(`demo model ${datasetId}: "${DEMO_MODEL.title}" by account ${DEMO_MODEL.trainer}, derived from dataset ${vitalsId} through job ${requested.jobId}`);
  await (await marketOf(DEMO_MODEL.buyer)).buyLicence(datasetId);
  log(`  account ${DEMO_MODEL.buyer} bought a licence: dataset ${vitalsId}'s owner earned its royalty`);
  return datasetId;
}
