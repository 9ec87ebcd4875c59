/** The buyer's side of a federated run before anything is paid: the plan its jobs commit to, and a provider per dataset. */
import { assignProviders, federatedPlan, federatedReservation } from '@/lib/compute/actions/federated';
import { ComputeJobError } from '@/lib/compute/errors';
import { epsilonMillionths, FederatedPlanError, parsePlan, planHash } from '@/lib/federated';

const algorithm = { name: 'local_logreg.py', content: new TextEncoder().encode('print(1)\n') };
const choice = {
  participants: [
    { datasetId: 13n, providerId: 1n },
    { datasetId: 12n, providerId: 2n },
  ],
  maxMinutes: 10,
  rounds: 3,
  clip: 1,
  noiseMultiplier: 1.5,
  dimension: 6,
  params: { label: 'alert' },
};

describe('federatedPlan', () => {
  it('lists the participants by ascending dataset, as requestJob takes them, and hashes the same for the same choice', () => {
    const plan = federatedPlan(choice, algorithm);
    expect(plan.participants).toEqual([
      { datasetId: 12, providerId: 2 },
      { datasetId: 13, providerId: 1 },
    ]);
    expect(plan.algorithm.sha256).toMatch(/^0x[0-9a-f]{64}$/);
    expect(planHash(plan)).toBe(planHash(federatedPlan({ ...choice, participants: [...choice.participants].reverse() }, algorithm)));
    expect(planHash(plan)).toBe(planHash(parsePlan(JSON.parse(JSON.stringify(plan)))));
  });

  it('refuses a provider named twice and a single dataset before anything is paid', () => {
    expect(() => federatedPlan({ ...choice, participants: [{ datasetId: 1n, providerId: 1n }, { datasetId: 2n, providerId: 1n }] }, algorithm)).toThrow(FederatedPlanError);
    expect(() => federatedPlan({ ...choice, participants: [{ datasetId: 1n, providerId: 1n }] }, algorithm)).toThrow(FederatedPlanError);
  });

  it('reserves the ε of every round, rounded up, the loss it reports counted, and none without noise', () => {
    const plan = federatedPlan(choice, algorithm);
    expect(federatedReservation(plan)).toBeGreaterThan(0n);
    expect(federatedReservation({ ...plan, rounds: 6 })).toBeGreaterThan(federatedReservation(plan));
    expect(federatedReservation({ ...plan, lossBound: 1 })).toBe(epsilonMillionths({ ...plan, lossBound: 1 }));
    expect(federatedReservation({ ...plan, lossBound: 1 })).toBeGreaterThan(federatedReservation(plan));
    expect(federatedReservation({ ...plan, noiseMultiplier: 0 })).toBe(0n);
  });
});

describe('assignProviders', () => {
  it('gives each dataset a different provider its owner allows, the constrained ones first', () => {
    expect(assignProviders([3n, 8n], [[1n, 2n], [1n]])).toEqual([2n, 1n]);
    expect(assignProviders([3n, 8n, 9n], [[1n, 2n, 3n], [2n, 3n], [3n]])).toEqual([1n, 2n, 3n]);
  });

  it('says which dataset has no provider, or that no assignment exists', () => {
    expect(() => assignProviders([3n, 8n], [[1n], []])).toThrow('the owner of dataset 8 allows no active provider');
    expect(() => assignProviders([3n, 8n], [[1n], [1n]])).toThrow(ComputeJobError);
  });
});
