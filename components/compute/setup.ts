/** The compute page's choices as its components take them, from what lib/web reads for it. */
import 'server-only';
import { environmentLabel } from '@/lib/web/queries/dataset';
import { readComputeSetup } from '@/lib/web/queries/compute';
import type { Problem } from '@/lib/web/queries/problem';
import { COMPUTABLE, datasetOption, type DatasetList, type ProviderOption } from './options';

export type ComputeSetupView = { available: true; providers: ProviderOption[]; datasets: DatasetList; startBlock: string } | ({ available: false } & Problem);

export async function computeSetup(): Promise<ComputeSetupView> {
  const setup = await readComputeSetup(COMPUTABLE);
  if (!setup.available) return setup;
  const { datasets, formatAmount } = setup;
  return {
    available: true,
    providers: setup.providers.map((p) => ({
      id: p.id.toString(),
      endpoint: p.endpoint,
      environments: p.environments.map((env, index) => ({ index, label: environmentLabel(env), pricePerMinute: formatAmount(env.pricePerMinute) })),
    })),
    datasets: datasets.available ? { available: true, items: datasets.result.items.map(datasetOption), total: datasets.result.total } : datasets,
    startBlock: setup.startBlock,
  };
}
