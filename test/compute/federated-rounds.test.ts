/**
 * The order a provider node takes a federated job's rounds in (checkRoundOrder), on its recorded attempts: a round
 * after the one it answered, a retry with a higher attempt, and a retry of a round it released in that only leaves
 * providers out — else sums over overlapping sets of one round would give each update away where there is no noise.
 */
import type { FederatedPlan } from '@/lib/federated';
import { checkRoundOrder } from '@/lib/compute/provider/federated/round';
import type { RoundEntry } from '@/lib/compute/provider/federated/session';

const plan = { rounds: 3 } as FederatedPlan;

function entry(round: number, attempt: number, outcome: RoundEntry['outcome'], providers: number[]): RoundEntry {
  return { round, attempt, outcome, participants: providers.length, providers: providers.map(String), bytes: 0, epsilon: '0', wallMs: 0, at: '' };
}

const ask = (rounds: RoundEntry[], round: number, attempt: number, providers: number[]) => () => checkRoundOrder({ plan, rounds }, { round, attempt, participants: providers.map(BigInt) });

test('rounds go in order, each attempt once', () => {
  expect(ask([], 1, 1, [1, 2])).not.toThrow();
  expect(ask([], 2, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-out-of-order' }));
  expect(ask([], 4, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-out-of-range' }));
  const one = [entry(1, 1, 'released', [1, 2])];
  expect(ask(one, 1, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-replayed' }));
  expect(ask(one, 2, 1, [1, 2])).not.toThrow();
  expect(ask(one, 3, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-out-of-order' }));
  // A failed attempt is spent too, and a round this node failed is not answered: the next waits for it.
  const failed = [...one, entry(2, 1, 'failed', [1, 2])];
  expect(ask(failed, 2, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-replayed' }));
  expect(ask(failed, 2, 2, [1, 2])).not.toThrow();
  expect(ask(failed, 3, 1, [1, 2])).toThrow(expect.objectContaining({ code: 'round-out-of-order' }));
  // Once at round 2, round 1 is closed whatever the attempt.
  expect(ask([...one, entry(2, 1, 'released', [1, 2])], 1, 5, [1, 2])).toThrow(expect.objectContaining({ code: 'round-replayed' }));
});

test('a retry of a released round may leave providers out, never bring one in', () => {
  const answered = [entry(1, 1, 'released', [1, 2, 3])];
  expect(ask(answered, 1, 2, [1, 2])).not.toThrow();
  const retried = [...answered, entry(1, 2, 'released', [1, 2])];
  // {1,2,3}, {1,2}, then {1,3}: with {2,3} next, the sums would solve for each update.
  expect(ask(retried, 1, 3, [1, 3])).toThrow(expect.objectContaining({ code: 'participants-grew' }));
  // An attempt this node failed released nothing: it constrains no retry.
  expect(ask([entry(1, 1, 'failed', [1, 2])], 1, 2, [1, 2, 3])).not.toThrow();
});
