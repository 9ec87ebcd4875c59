/**
 * The compute page's federated training, apart from its looks: the form's problems in words, a provider of its
 * own for each dataset among those its owner allows (or why there is none), the choice handed to the SDK, the ε
 * each dataset spends, each dataset's fee and provider minutes with the total escrow, and the rounds as the page
 * lists and charts them while they complete.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { BarChart } from '@/components/charts/bar-chart';
import { EXAMPLE, federatedChoiceOf, federatedProblems, initialForm, planText, priceLines, privacyText, providerAssignment, roundCells, roundsChart, type FederatedForm } from '@/components/compute/federated-choice';
import { planEpsilon, type RoundOutcome } from '@/lib/compute/actions/federated';

const form = (changes: Partial<FederatedForm> = {}): FederatedForm => ({ ...initialForm(['9', '8']), ...changes });

/** "4 dUSD" from micro-units of a 6-decimal stablecoin. */
const dusd = (value: bigint) => `${Number(value) / 1e6} dUSD`;

const round = (changes: Partial<RoundOutcome>): RoundOutcome => ({ round: 1, attempts: 1, participants: [1n, 2n], dropped: [], modelHash: `0x${'ab'.repeat(32)}`, bytesPerProvider: 48, wallMs: 2_345, ...changes });

describe('the federated form', () => {
  it('starts from the example with its parameters, a model of a weight per feature and a bias, and a loss reported', () => {
    const initial = form();
    expect(federatedProblems(initial)).toEqual({});
    expect(JSON.parse(initial.params)).toEqual(EXAMPLE.params);
    expect(initial.dimension).toBe('5');
    expect(initial.lossBound).toBe('2');
  });

  it('says what is wrong with each field, before anything is read from the chain', () => {
    expect(federatedProblems(form({ datasetIds: ['8'] })).datasetId).toBe('Choose at least 2 datasets: each trains the model on its own provider.');
    expect(federatedProblems(form({ datasetIds: Array.from({ length: 10 }, (_, i) => String(i + 1)) })).datasetId).toBe('Federated training takes at most 8 datasets: remove 2.');
    expect(federatedProblems(form({ source: 'file' })).file).toBe('Choose the local step’s file.');
    expect(federatedProblems(form({ source: 'file', file: new File(['x'], 'step.sh') })).file).toBe('Providers run Python (.py) and Node.js (.js, .mjs, .cjs) files only.');
    expect(federatedProblems(form({ params: '[1, 2]' })).params).toBe('The parameters must be a JSON object, e.g. {"label": "alert"}.');
    expect(federatedProblems(form({ params: '{' })).params).toMatch(/^Not JSON: /);
    expect(federatedProblems(form({ dimension: '6' })).dimension).toBe('The example’s model has a weight per feature and a bias: 5 for 4 features.');
    // The example writes its loss exactly when the plan asks for one.
    expect(federatedProblems(form({ lossBound: '' })).lossBound).toBe('The example reports its loss with "reportLoss": true, which needs a loss bound: give one, or take reportLoss out.');
    expect(federatedProblems(form({ params: JSON.stringify({ ...EXAMPLE.params, reportLoss: false }) })).lossBound).toBe('The example reports its loss only with "reportLoss": true among its parameters: add it, or leave the loss bound empty.');
    expect(federatedProblems(form({ lossBound: '', params: JSON.stringify({ ...EXAMPLE.params, reportLoss: undefined }) }))).toEqual({});
    // The buyer's own local step says its own dimension.
    expect(federatedProblems(form({ source: 'file', file: new File(['print(1)'], 'step.py'), dimension: '6' }))).toEqual({});
    expect(federatedProblems(form({ rounds: '0', clip: '0', noise: '-1', lossBound: '0', minutes: '1.5' }))).toEqual({
      rounds: 'Give a whole number of rounds, from 1 to 100.',
      clip: 'Give a clip norm above 0, at most 1000.',
      noise: 'Give a noise multiplier from 0 (no noise) to 100.',
      lossBound: 'Give a loss bound above 0, at most 1000, or leave it empty to report no loss.',
      minutes: 'Give a whole number of minutes, at least 1.',
    });
  });

  it('hands the SDK each dataset with the provider it trains on, and nothing while a field is wrong or a provider is missing', () => {
    const chosen = form({ noise: '0', rounds: '2', lossBound: '', params: JSON.stringify({ ...EXAMPLE.params, reportLoss: false }) });
    expect(federatedChoiceOf(chosen, federatedProblems(chosen), [2n, 1n])).toEqual({
      participants: [
        { datasetId: 9n, providerId: 2n, environment: 0 },
        { datasetId: 8n, providerId: 1n, environment: 0 },
      ],
      maxMinutes: 10,
      rounds: 2,
      clip: 1,
      noiseMultiplier: 0,
      dimension: 5,
      params: { ...EXAMPLE.params, reportLoss: false },
    });
    expect(federatedChoiceOf(form(), {}, [2n, 1n])).toMatchObject({ lossBound: 2, noiseMultiplier: 1, rounds: 3 });
    expect(federatedChoiceOf(chosen, federatedProblems(chosen), null)).toBeNull();
    const wrong = form({ rounds: 'x' });
    expect(federatedChoiceOf(wrong, federatedProblems(wrong), [2n, 1n])).toBeNull();
  });
});

describe('where each dataset trains', () => {
  it('gives each dataset a provider of its own among those its owner allows', () => {
    // The demo's hospitals: each owner allows only its own provider.
    expect(providerAssignment(['8', '9'], [[1n], [2n]])).toEqual({ providerIds: [1n, 2n] });
    expect(providerAssignment(['3', '8'], [[1n, 2n], [1n]])).toEqual({ providerIds: [2n, 1n] });
  });

  it('says which dataset has no provider, or that they cannot each have their own', () => {
    expect(providerAssignment(['8', '12'], [[1n], []])).toEqual({ problem: 'No provider of its own for each dataset: the owner of dataset 12 allows no active provider.' });
    expect(providerAssignment(['8', '12'], [[1n], [1n]])).toEqual({ problem: 'No provider of its own for each dataset: datasets 8, 12 cannot each have a provider of their own among those their owners allow.' });
  });
});

describe('what the training costs and spends', () => {
  it('spends the ε of every round of each dataset, and says there is no differential privacy without noise', () => {
    expect(privacyText({ rounds: 3, noiseMultiplier: 0 })).toBe('no differential privacy (noise multiplier 0)');
    expect(planEpsilon({ rounds: 3, noiseMultiplier: 1, delta: 1e-5 })).toBeCloseTo(22.62, 2);
    expect(privacyText({ rounds: 3, noiseMultiplier: 1 })).toBe('ε 22.6 over 3 rounds (δ 0.00001)');
    expect(privacyText({ rounds: 1, noiseMultiplier: 4, delta: 1e-6 })).toMatch(/^ε [\d.]+ over 1 round \(δ 0\.000001\)$/);
    // A reported loss is released with each update: the same rounds spend more.
    expect(planEpsilon({ rounds: 3, noiseMultiplier: 1, delta: 1e-5, lossBound: 2 })).toBeGreaterThan(22.7);
    expect(privacyText({ rounds: 3, noiseMultiplier: 1, lossBound: 2 })).not.toBe('ε 22.6 over 3 rounds (δ 0.00001)');
  });

  it('says the plan in a line', () => {
    expect(planText({ rounds: 2, clip: 1, noiseMultiplier: 0, delta: 1e-5, lossBound: 2 })).toBe('2 rounds, clip 1, noise multiplier 0, loss reported up to 2: no differential privacy');
    expect(planText({ rounds: 3, clip: 0.5, noiseMultiplier: 1, delta: 1e-5 })).toBe('3 rounds, clip 0.5, noise multiplier 1, no loss reported: each dataset spends ε 22.6 over 3 rounds (δ 0.00001)');
  });

  it('lists each dataset’s fee and its provider’s minutes, and totals the escrow', () => {
    const quotes = [
      { datasetId: 8n, providerId: 1n, dataFee: 4_000_000n, pricePerMinute: 50_000n, escrow: 4_500_000n },
      { datasetId: 9n, providerId: 2n, dataFee: 6_000_000n, pricePerMinute: 100_000n, escrow: 7_000_000n },
    ];
    expect(priceLines(quotes, 10, dusd)).toEqual({
      lines: [
        ['Data fee of dataset #8', '4 dUSD'],
        ['Provider #1, up to 10 min × 0.05 dUSD', '0.5 dUSD'],
        ['Data fee of dataset #9', '6 dUSD'],
        ['Provider #2, up to 10 min × 0.1 dUSD', '1 dUSD'],
      ],
      total: '11.5 dUSD',
    });
  });
});

describe('the rounds as they complete', () => {
  it('says who took part, what each provider released, how long it took and who dropped out', () => {
    expect(roundCells(round({}))).toEqual({ round: '1', participants: 'providers #1, #2', bytes: '48 B each', wall: '2.3 s', dropped: 'none' });
    expect(roundCells(round({ round: 2, attempts: 2, participants: [1n, 3n], dropped: [2n], bytesPerProvider: 8_008 }))).toEqual({
      round: '2 (2 attempts)',
      participants: 'providers #1, #3',
      bytes: '8,008 B each',
      wall: '2.3 s',
      dropped: 'provider #2 dropped out',
    });
  });

  it('charts the loss of each round where the plan reports one, and the wall time where it does not', () => {
    const rounds = [round({ wallMs: 3_000 }), round({ round: 2, wallMs: 1_500 })];
    const timed = roundsChart(rounds);
    expect(timed.title).toBe('Wall time per round (seconds)');
    expect(timed.bars).toEqual([
      { label: 'Round 1', value: 3 },
      { label: 'Round 2', value: 1.5 },
    ]);
    const lossy = roundsChart(rounds.map((r, i) => ({ ...r, loss: [0.6931, 0.48][i] })));
    expect(lossy.title).toBe('Training loss per round');
    const html = renderToStaticMarkup(createElement(BarChart, { title: lossy.title, data: lossy.bars, formatValue: lossy.format }));
    expect(html).toContain('Training loss per round: Round 1 0.693 and Round 2 0.48');
  });
});
