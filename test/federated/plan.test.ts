import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encodePlan, FederatedPlanError, MAX_PARAMS_BYTES, parsePlan, planHash, vectorLength, type FederatedPlanInput } from '@/lib/federated';
import { hostileJson, nestedArrays } from '../helpers/hostile';

const plan: FederatedPlanInput = {
  kind: 'datagora-federated/1',
  algorithm: { name: 'local_step.py', sha256: `0x${'Ab'.repeat(32)}` },
  dimension: 9,
  rounds: 20,
  clip: 1,
  noiseMultiplier: 1.1,
  params: { learningRate: 0.1, epochs: 1, features: ['heart_rate', 'spo2'], nested: { b: 1, a: [2, { z: null, y: true }] } },
  participants: [
    { datasetId: 3, providerId: 2 },
    { datasetId: 10, providerId: 1 },
  ],
};

/** `value` with the keys of every object in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reversedKeys(item)]));
}

/** The plan with `path` (dotted) set to `value`, or removed when `value` is undefined. */
function edited(path: string, value: unknown): unknown {
  const copy = structuredClone(plan) as Record<string, unknown>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, copy);
  if (value === undefined) delete parent[keys.at(-1)!];
  else parent[keys.at(-1)!] = value;
  return copy;
}

describe('the federated plan', () => {
  it('fills in δ = 1e-5 and writes the algorithm hash in lower case', () => {
    const parsed = parsePlan(plan);
    expect(parsed.delta).toBe(1e-5);
    expect(parsed.algorithm.sha256).toBe(`0x${'ab'.repeat(32)}`);
    expect(parsed.participants).toEqual(plan.participants);
  });

  it('hashes its one spelling: keys sorted at every level, as a job commits to an algorithm file', () => {
    const text = encodePlan(plan);
    expect(text.startsWith('{"algorithm":{"name":"local_step.py","sha256":"0xabab')).toBe(true);
    expect(text).toContain('"nested":{"a":[2,{"y":true,"z":null}],"b":1}');
    expect(planHash(plan)).toBe(`0x${createHash('sha256').update(text).digest('hex')}`);
    expect(planHash(reversedKeys(plan))).toBe(planHash(plan));
    expect(planHash({ ...plan, delta: 1e-5 })).toBe(planHash(plan));
    expect(planHash(edited('algorithm.sha256', `0x${'ab'.repeat(32)}`))).toBe(planHash(plan));
  });

  it('hashes every field: another round count, clip, participant or param is another plan', () => {
    const variants = [
      edited('rounds', 21),
      edited('clip', 1.5),
      edited('noiseMultiplier', 1),
      edited('delta', 1e-6),
      edited('dimension', 10),
      edited('params.epochs', 2),
      edited('participants', [plan.participants[0], { datasetId: 10, providerId: 3 }]),
      edited('lossBound', 5),
      edited('lossBound', 6),
    ];
    const hashes = new Set([plan, ...variants].map(planHash));
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('keeps the hash of a plan without a loss bound as it was before losses were reported, and sizes its vectors by it', () => {
    // The hash this plan had before lossBound existed: jobs paid for then still match their plan.
    expect(planHash(plan)).toBe('0x2e29046f6d330695c8cf686e344d7642aed83b615ba9f6f69c94f07d7337ab40');
    expect(planHash({ ...plan, lossBound: undefined })).toBe(planHash(plan));
    expect(encodePlan({ ...plan, lossBound: 5 })).toContain('"lossBound":5');
    expect(vectorLength(parsePlan(plan))).toBe(10);
    expect(vectorLength(parsePlan({ ...plan, lossBound: 5 }))).toBe(11);
  });

  it.each([
    ['an extra key', edited('extra', 1), 'Unrecognized key'],
    ['a loss bound of 0', edited('lossBound', 0), 'lossBound'],
    ['a negative loss bound', edited('lossBound', -1), 'lossBound'],
    ['a loss bound of 1001', edited('lossBound', 1001), 'lossBound'],
    ['an infinite loss bound', edited('lossBound', Infinity), 'lossBound'],
    ['a loss bound as a string', edited('lossBound', '5'), 'lossBound'],
    ['a loss bound of true', edited('lossBound', true), 'lossBound'],
    ['an extra key in the algorithm', edited('algorithm.url', 'http://x'), 'algorithm'],
    ['an extra key in a participant', edited('participants', [{ datasetId: 3, providerId: 2, fee: 0 }, plan.participants[1]]), 'participants.0'],
    ['another kind', edited('kind', 'datagora-federated/2'), 'kind'],
    ['no rounds', edited('rounds', undefined), 'rounds'],
    ['NaN as the clip', edited('clip', NaN), 'clip'],
    ['an infinite clip', edited('clip', Infinity), 'clip'],
    ['a clip of 0', edited('clip', 0), 'clip'],
    ['a clip of 1e308', edited('clip', 1e308), 'clip'],
    ['a negative noise multiplier', edited('noiseMultiplier', -1), 'noiseMultiplier'],
    ['a noise multiplier of 1e300', edited('noiseMultiplier', 1e300), 'noiseMultiplier'],
    ['δ of 0', edited('delta', 0), 'delta'],
    ['δ of 1', edited('delta', 1), 'delta'],
    ['a dimension of 10^7', edited('dimension', 1e7), 'dimension'],
    ['a fractional dimension', edited('dimension', 2.5), 'dimension'],
    ['0 rounds', edited('rounds', 0), 'rounds'],
    ['101 rounds', edited('rounds', 101), 'rounds'],
    ['1e300 rounds', edited('rounds', 1e300), 'rounds'],
    ['a dataset id as a string', edited('participants', [{ datasetId: '3', providerId: 2 }, plan.participants[1]]), 'participants.0.datasetId'],
    ['a dataset id beyond 2^53', edited('participants', [{ datasetId: 2 ** 60, providerId: 2 }, plan.participants[1]]), 'participants.0.datasetId'],
    ['one participant', edited('participants', [plan.participants[0]]), 'participants'],
    ['nine participants', edited('participants', Array.from({ length: 9 }, (_, i) => ({ datasetId: i + 1, providerId: i + 1 }))), 'participants'],
    ['datasets out of order', edited('participants', [...plan.participants].reverse()), 'strictly ascending'],
    ['one dataset twice', edited('participants', [plan.participants[0], { datasetId: 3, providerId: 1 }]), 'strictly ascending'],
    ['one provider twice', edited('participants', [plan.participants[0], { datasetId: 10, providerId: 2 }]), 'each provider takes part once'],
    ['a shell script', edited('algorithm.name', 'step.sh'), 'Python'],
    ['a path for a name', edited('algorithm.name', '../step.py'), 'file name'],
    ['a short hash', edited('algorithm.sha256', '0xabcd'), 'SHA-256'],
    ['params as an array', edited('params', [1, 2]), 'params'],
    ['NaN inside the params', edited('params', { a: [1, { b: NaN }] }), 'NaN'],
    ['undefined inside the params', edited('params', { a: [undefined] }), 'undefined'],
    ['a bigint inside the params', edited('params', { a: 1n }), 'bigint'],
    ['a Date inside the params', edited('params', { a: new Date(0) }), 'not plain JSON'],
    ['a __proto__ key in the params', JSON.parse(JSON.stringify(plan).replace('"learningRate"', '"__proto__"')), '__proto__'],
    ['params nested 5,000 deep', edited('params', { a: nestedArrays(5_000) }), 'levels deep'],
    ['params over the size limit', edited('params', { a: 'x'.repeat(MAX_PARAMS_BYTES) }), 'bytes as JSON'],
    ['null', null, 'expected object'],
    ['a string', 'plan', 'expected object'],
  ])('refuses %s with a FederatedPlanError', (_name, input, words) => {
    expect(() => parsePlan(input)).toThrow(FederatedPlanError);
    expect(() => planHash(input)).toThrow(words);
  });

  it('refuses hostile JSON anywhere with a FederatedPlanError, never another error', () => {
    const anywhere = fc.constantFrom('params', 'params.nested', 'algorithm', 'participants', 'dimension', 'kind');
    fc.assert(
      fc.property(anywhere, hostileJson, (path, value) => {
        try {
          parsePlan(edited(path, value));
        } catch (error) {
          expect(error).toBeInstanceOf(FederatedPlanError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
