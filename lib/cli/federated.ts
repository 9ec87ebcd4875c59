/**
 * `datagora federate`: federated training across the providers the datasets' owners chose, with this machine as the
 * aggregator. It pays one linked job per dataset, drives the rounds (each provider trains on its own dataset and
 * answers only its clipped, noised, masked update), writes the final model and says how to publish it as a
 * derivative of every dataset it was trained on.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { planEpsilon } from '../compute/actions/federated';
import { modelFile } from '../federated/model';
import { idList, parse, printJson, wholeNumber, withMarket } from './market';
import { UsageError } from './usage';

/** A decimal flag within [min, max]; undefined when absent. */
function decimal(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) throw new UsageError(`--${flag} must be a number from ${min} to ${max}, got "${value}"`);
  return number;
}

export async function federate(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    algorithm: { type: 'string' },
    providers: { type: 'string' },
    params: { type: 'string' },
    dimension: { type: 'string' },
    rounds: { type: 'string' },
    clip: { type: 'string' },
    noise: { type: 'string' },
    'loss-bound': { type: 'string' },
    'max-minutes': { type: 'string' },
    'round-timeout': { type: 'string' },
    out: { type: 'string' },
  });
  const [ids, extra] = positionals;
  if (!ids || extra) throw new UsageError('federate takes the datasets as one comma-separated list, e.g. `datagora federate 8,9 --algorithm local_logreg.py --dimension 6`');
  const datasetIds = idList('dataset', ids);
  const providerIds = values.providers === undefined ? undefined : idList('provider', values.providers);
  if (providerIds && providerIds.length !== datasetIds.length) throw new UsageError(`--providers names ${providerIds.length} providers for ${datasetIds.length} datasets: one per dataset, in the same order`);
  const algorithm = values.algorithm;
  if (!algorithm) throw new UsageError('federate needs --algorithm FILE: the local step each provider runs on its dataset (see examples/federated/)');
  const dimension = wholeNumber('dimension', values.dimension, 1);
  if (dimension === undefined) throw new UsageError('federate needs --dimension D: the number of weights of the model the local step updates');
  let params: Record<string, unknown> = {};
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--params must be a JSON object, e.g. '{"label":"alert"}'`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError('--params must be a JSON object');
  }
  const rounds = wholeNumber('rounds', values.rounds, 1) ?? 3;
  const clip = decimal('clip', values.clip, 1e-6, 1_000) ?? 1;
  const noiseMultiplier = decimal('noise', values.noise, 0, 100) ?? 1;
  const lossBound = decimal('loss-bound', values['loss-bound'], 1e-6, 1_000);
  // The local step reports the loss exactly when the plan bounds one (the example's reportLoss; a node refuses a mismatch).
  if (lossBound !== undefined && params.reportLoss === undefined) params = { ...params, reportLoss: true };
  const maxMinutes = wholeNumber('max-minutes', values['max-minutes'], 1) ?? 10;
  const roundTimeout = wholeNumber('round-timeout', values['round-timeout'], 1);
  const out = path.resolve(values.out ?? 'federated-model.json');
  return withMarket(values, async (market) => {
    const { ComputeClient } = await import('../compute/buyer/client');
    const client = new ComputeClient(market);
    const log = (line: string) => {
      if (!values.json) console.error(line);
    };
    const trained = await client.federate(
      { datasetIds, ...(providerIds ? { providerIds } : {}), algorithm, params, dimension, rounds, clip, noiseMultiplier, ...(lossBound !== undefined ? { lossBound } : {}), maxMinutes, ...(roundTimeout ? { roundTimeoutMs: roundTimeout * 1000 } : {}) },
      {
        paid(run) {
          const epsilon = planEpsilon(run.plan);
          const reserved = run.jobs.filter((job) => job.job.epsilon > 0n).map((job) => job.datasetId);
          const counted = reserved.length > 0 ? `, reserved from the ε budget of dataset${reserved.length === 1 ? '' : 's'} ${reserved.join(', ')}` : '';
          log(`paid ${market.formatAmount(run.escrow)} into escrow for ${run.jobs.length} jobs (tx ${run.txHash}); plan ${run.jobs[0]!.job.algorithmHash}`);
          for (const { jobId, datasetId, providerId, job } of run.jobs) log(`  job ${jobId}: dataset ${datasetId} on provider ${providerId}, data fee ${market.formatAmount(job.dataFee)} + up to ${job.maxMinutes} min at ${market.formatAmount(job.pricePerMinute)}/min`);
          log(`${run.plan.rounds} rounds, clip ${run.plan.clip}, noise multiplier ${run.plan.noiseMultiplier}: ${Number.isFinite(epsilon) ? `each dataset spends ε ${epsilon.toFixed(2)} (δ ${run.plan.delta})${counted}` : 'no differential privacy (noise 0)'}`);
        },
        step(detail) {
          log(detail);
        },
        round(outcome) {
          const dropped = outcome.dropped.length > 0 ? `; provider${outcome.dropped.length === 1 ? '' : 's'} ${outcome.dropped.join(', ')} dropped out` : '';
          const loss = outcome.loss === undefined ? '' : `, loss ${outcome.loss.toFixed(4)}`;
          log(`round ${outcome.round}/${rounds}: providers ${outcome.participants.join(', ')}, ${outcome.bytesPerProvider} B masked from each${loss}, model ${outcome.modelHash.slice(0, 18)}…, ${(outcome.wallMs / 1000).toFixed(1)} s${outcome.attempts > 1 ? `, ${outcome.attempts} attempts` : ''}${dropped}`);
        },
      },
    );
    writeFileSync(out, modelFile(trained.model));
    const settled = trained.run.jobs.filter((job) => !trained.dropped.includes(job));
    if (values.json) {
      const jobs = trained.run.jobs.map((j) => ({ jobId: j.jobId, datasetId: j.datasetId, providerId: j.providerId, dropped: trained.dropped.includes(j) || trained.droppedFinished.includes(j), settled: settled.includes(j) }));
      printJson({ firstJobId: trained.run.firstJobId, ...(trained.stopped ? { stopped: trained.stopped } : {}), jobs, rounds: trained.rounds, model: out });
    } else {
      if (trained.stopped) log(`training stopped early: ${trained.stopped}; the model is that of the last round completed`);
      log(`the final model is in ${out}; jobs ${settled.map((j) => j.jobId).join(', ')} settled with it among their outputs`);
      for (const job of trained.droppedFinished) log(`job ${job.jobId} (provider ${job.providerId}) dropped out after taking part in a round: finished with the final model and settled`);
      for (const job of trained.dropped) {
        const released = trained.rounds.some((round) => round.participants.includes(job.providerId));
        log(`job ${job.jobId} (provider ${job.providerId}) dropped out: take its escrow back after its deadline with \`datagora job ${job.jobId} --refund\`${released ? ' (its node, back before then, settles the updates it released)' : ''}`);
      }
      log(`publish it as a model derived from every dataset: datagora publish ${path.relative(process.cwd(), out)} --kind model --derived-from-job ${trained.run.firstJobId} …`);
      console.log(out);
    }
    return 0;
  });
}
