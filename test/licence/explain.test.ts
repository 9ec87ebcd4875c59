import { DAY, licenceTerms } from '@/lib/licence';
import { explainLicence, licenceProblems, ownerConsequences, periodText, type LicenceItem } from '@/lib/licence/explain';
import { DEFAULT_ACCESS_DURATION, LICENCE_PRESETS, LicenceCombinationError, presetTerms, type LicencePreset } from '@/lib/licence/presets';

const currency = '0x0000000000000000000000000000000000000001';

/** A preset's terms as `datagora publish` registers them by default (365-day access). */
function preset(name: LicencePreset) {
  return presetTerms(name, {
    currency,
    downloadPrice: name === 'compute-only' ? 0n : 10_000_000n,
    computePrice: 2_000_000n,
    accessDuration: DEFAULT_ACCESS_DURATION,
    uri: 'ipfs://bafkreiterms',
  });
}

const DOWNLOAD: LicenceItem = {
  key: 'computeOnly',
  allowed: true,
  title: 'Download',
  detail: 'Your licence unlocks the full file: you download it and decrypt it on your own machine.',
};
const NO_AI: LicenceItem = { key: 'aiTraining', allowed: false, title: 'No AI training', detail: 'You may not use the data to train or fine-tune machine-learning models.' };
const NOT_TRANSFERABLE: LicenceItem = { key: 'transferable', allowed: false, title: 'Not transferable', detail: 'The licence stays with the account that bought it.' };
const YEAR: LicenceItem = {
  key: 'access',
  allowed: 'conditional',
  title: 'Access for 365 days',
  detail: 'Your licence lasts 365 days from purchase; buying again extends it by another 365 days.',
};
const COMMERCIAL_CREDIT: LicenceItem = {
  key: 'commercial',
  allowed: 'conditional',
  title: 'Commercial use, with conditions',
  detail: 'You may use the data in products and services you earn money from, provided you credit the owner.',
};
const RECIPROCAL: LicenceItem = {
  key: 'derivatives',
  allowed: 'conditional',
  title: 'Derivatives, with conditions',
  detail: 'You may publish new datasets and works built from the data, provided you credit the owner and share them under this same licence.',
};

describe('explainLicence', () => {
  it.each<[LicencePreset, LicenceItem[]]>([
    [
      'non-commercial',
      [
        DOWNLOAD,
        { key: 'commercial', allowed: false, title: 'No commercial use', detail: 'Use the data only for research, teaching or personal projects, not in anything sold or run for profit.' },
        RECIPROCAL,
        NO_AI,
        { key: 'transferable', allowed: true, title: 'Transferable', detail: 'You may pass your licence on to another account.' },
        YEAR,
      ],
    ],
    [
      'commercial',
      [
        DOWNLOAD,
        COMMERCIAL_CREDIT,
        { key: 'derivatives', allowed: false, title: 'No derivatives', detail: 'You may not publish or share modified versions of the data, or datasets and works built from it.' },
        NO_AI,
        NOT_TRANSFERABLE,
        YEAR,
      ],
    ],
    [
      'commercial-remix',
      [
        DOWNLOAD,
        {
          key: 'commercial',
          allowed: 'conditional',
          title: 'Commercial use, with conditions',
          detail: 'You may use the data in products and services you earn money from, provided you credit the owner and pay the owner 5% of the revenue from commercial derivatives.',
        },
        RECIPROCAL,
        NO_AI,
        NOT_TRANSFERABLE,
        YEAR,
      ],
    ],
    [
      'ai-training',
      [
        DOWNLOAD,
        COMMERCIAL_CREDIT,
        { key: 'derivatives', allowed: 'conditional', title: 'Derivatives, with conditions', detail: 'You may publish new datasets and works built from the data, provided you credit the owner.' },
        { key: 'aiTraining', allowed: true, title: 'AI training allowed', detail: 'You may train and fine-tune machine-learning models on the data.' },
        NOT_TRANSFERABLE,
        YEAR,
      ],
    ],
    [
      'compute-only',
      [
        {
          key: 'computeOnly',
          allowed: false,
          title: 'No download: compute-only',
          detail: 'The raw data never leaves the provider’s node. You pay per compute job; your algorithm runs next to the data and you receive only its results.',
        },
        { key: 'commercial', allowed: true, title: 'Commercial use', detail: 'You may use the results of your compute jobs in products and services you earn money from.' },
        { key: 'derivatives', allowed: true, title: 'Derivatives allowed', detail: 'You may publish new datasets and works built from the results of your compute jobs.' },
        {
          key: 'aiTraining',
          allowed: true,
          title: 'AI training allowed',
          detail: 'You may train machine-learning models on the data in your compute jobs; the trained models come back to you as results.',
        },
        { key: 'transferable', allowed: false, title: 'Not transferable', detail: 'Each compute job belongs to the account that paid for it.' },
        { key: 'access', allowed: true, title: 'Pay per job', detail: 'No licence period: each compute job is paid for on its own, and its results are yours to keep.' },
      ],
    ],
  ])('explains the %s preset', (name, expected) => {
    expect(explainLicence(preset(name))).toEqual(expected);
  });

  it('states a custom revenue share and an access period in its own words', () => {
    const items = explainLicence(presetTerms('commercial-remix', { currency, downloadPrice: 1n, computePrice: 0n, accessDuration: 0n, uri: 'ipfs://x', revShareBps: 250 }));
    expect(items.find((i) => i.key === 'commercial')?.detail).toBe(
      'You may use the data in products and services you earn money from, provided you credit the owner and pay the owner 2.5% of the revenue from commercial derivatives.',
    );
    expect(items.find((i) => i.key === 'access')).toEqual({ key: 'access', allowed: true, title: 'Perpetual access', detail: 'Your licence never expires.' });
  });

  it('allows commercial use and derivatives outright when they carry no conditions', () => {
    const items = explainLicence(licenceTerms({ currency, commercialAttribution: false, derivativesAllowed: true, accessDuration: 12n * 3_600n }));
    expect(items.map((i) => [i.key, i.allowed, i.title])).toEqual([
      ['computeOnly', true, 'Download'],
      ['commercial', true, 'Commercial use'],
      ['derivatives', true, 'Derivatives allowed'],
      ['aiTraining', false, 'No AI training'],
      ['transferable', false, 'Not transferable'],
      ['access', 'conditional', 'Access for 12 hours'],
    ]);
  });
});

describe('periodText', () => {
  it.each([
    [DAY, '1 day'],
    [30n * DAY, '30 days'],
    [3_600n, '1 hour'],
    [7_200n, '2 hours'],
    [90n, '90 seconds'],
    [1n, '1 second'],
  ])('%s seconds read as %s', (seconds, text) => {
    expect(periodText(seconds)).toBe(text);
  });
});

describe('ownerConsequences', () => {
  const DOWNLOADABLE = {
    key: 'computeOnly',
    title: 'Downloadable',
    detail: 'Each buyer gets the full decrypted file. A downloaded copy is out of your hands: from then on the licence is what governs its use.',
  };
  const NO_TRAINING = { key: 'aiTraining', title: 'No AI training', detail: 'Buyers may not train models on your data, and compute jobs that declare AI training are refused.' };
  const OWN_LICENCE = { key: 'transferable', title: 'Not transferable', detail: 'Every account that wants the data buys its own licence.' };
  const EXPIRES = { key: 'access', title: 'Access for 365 days', detail: 'Licences expire 365 days after purchase; buyers who still need the data buy again.' };
  const CREDITED = { key: 'commercial', title: 'Commercial use', detail: 'Businesses may build products on your data and must credit you.' };
  const SAME_LICENCE = { key: 'derivatives', title: 'Derivatives allowed', detail: 'Buyers may publish datasets and works built from your data, crediting you and under this same licence.' };

  it.each<[LicencePreset, { key: string; title: string; detail: string }[]]>([
    [
      'non-commercial',
      [
        DOWNLOADABLE,
        { key: 'commercial', title: 'Non-commercial', detail: 'Buyers may not use the data for profit: it suits research and teaching, not businesses.' },
        SAME_LICENCE,
        NO_TRAINING,
        { key: 'transferable', title: 'Transferable', detail: 'A buyer may pass the licence on to another account, which then uses the data without paying you again.' },
        EXPIRES,
      ],
    ],
    [
      'commercial',
      [DOWNLOADABLE, CREDITED, { key: 'derivatives', title: 'No derivatives', detail: 'Buyers may not share modified versions of your data or datasets built from it.' }, NO_TRAINING, OWN_LICENCE, EXPIRES],
    ],
    [
      'commercial-remix',
      [
        DOWNLOADABLE,
        {
          key: 'commercial',
          title: 'Commercial use',
          detail:
            'Businesses may build products on your data and must credit you. Commercial derivatives owe you 5% of their revenue: the licence records the obligation on-chain, but the market does not collect it for you.',
        },
        SAME_LICENCE,
        NO_TRAINING,
        OWN_LICENCE,
        EXPIRES,
      ],
    ],
    [
      'ai-training',
      [
        DOWNLOADABLE,
        CREDITED,
        { key: 'derivatives', title: 'Derivatives allowed', detail: 'Buyers may publish datasets and works built from your data, crediting you.' },
        { key: 'aiTraining', title: 'AI training allowed', detail: 'Buyers may train machine-learning models on your data.' },
        OWN_LICENCE,
        EXPIRES,
      ],
    ],
    [
      'compute-only',
      [
        { key: 'computeOnly', title: 'Compute-only', detail: 'Buyers never get the file: they pay per job, their algorithm runs on a provider’s node next to the data, and they see only its results.' },
        { key: 'commercial', title: 'Commercial use', detail: 'Businesses may build products on the results of their jobs.' },
        { key: 'derivatives', title: 'Derivatives allowed', detail: 'Buyers may publish datasets and works built from the results of their jobs.' },
        { key: 'aiTraining', title: 'AI training allowed', detail: 'Buyers may train machine-learning models on your data. Training runs next to the data; only the trained model leaves the node.' },
        { key: 'transferable', title: 'Not transferable', detail: 'Every account pays for its own jobs.' },
        { key: 'access', title: 'Pay per job', detail: 'You earn the compute price on every job, less the market fee; there is no licence period.' },
      ],
    ],
  ])('explains the %s preset to its owner', (name, expected) => {
    expect(ownerConsequences(preset(name))).toEqual(expected);
  });

  it('tells the owner a perpetual licence is never renewed', () => {
    expect(ownerConsequences(licenceTerms({ currency, accessDuration: 0n })).at(-1)).toEqual({
      key: 'access',
      title: 'Perpetual',
      detail: 'One purchase gives access for ever: buyers never need to renew.',
    });
  });
});

describe('licenceProblems', () => {
  it.each(LICENCE_PRESETS)('finds nothing wrong with the %s preset', (name) => {
    expect(licenceProblems(preset(name))).toEqual([]);
  });

  it.each([
    ['a revenue share over 100%', { commercialRevShare: 10_001 }, 'invalid licence: revenue share of 10001 basis points'],
    ['a fractional revenue share', { commercialRevShare: 2.5 }, 'invalid licence: revenue share of 2.5 basis points'],
    ['commercial attribution without commercial use', { commercialUse: false }, 'invalid licence: commercial attribution without commercial use'],
    ['a revenue share without commercial use', { commercialUse: false, commercialAttribution: false, commercialRevShare: 500 }, 'invalid licence: a revenue share needs commercial use'],
    ['derivative attribution without derivatives', { derivativesAttribution: true }, 'invalid licence: derivative attribution without derivatives'],
    ['reciprocal terms without derivatives', { derivativesReciprocal: true }, 'invalid licence: reciprocal licensing without derivatives'],
    ['a download price on compute-only terms', { computeOnly: true }, 'invalid licence: compute-only data is never downloaded, so it cannot have a download price'],
    ['compute-only terms without a compute price', { computeOnly: true, downloadPrice: 0n, computePrice: 0n }, 'invalid licence: compute-only data needs a compute price'],
    ['transferable compute-only terms', { computeOnly: true, downloadPrice: 0n, transferable: true }, 'invalid licence: compute-only licences cannot be transferable'],
    ['a negative access period', { accessDuration: -DAY }, 'invalid licence: an access period of -86400 seconds'],
  ])('refuses %s', (_, overrides, message) => {
    const problems = licenceProblems(licenceTerms({ currency, ...overrides }));
    expect(problems.map((p) => p.message)).toEqual([message]);
    expect(problems[0]).toBeInstanceOf(LicenceCombinationError);
    expect(problems[0]?.hint).not.toBe('');
  });

  it('lists every problem at once', () => {
    const problems = licenceProblems(licenceTerms({ currency, computeOnly: true, transferable: true, commercialUse: false, commercialRevShare: 100 }));
    expect(problems.map((p) => p.message)).toEqual([
      'invalid licence: commercial attribution without commercial use',
      'invalid licence: a revenue share needs commercial use',
      'invalid licence: compute-only data is never downloaded, so it cannot have a download price',
      'invalid licence: compute-only licences cannot be transferable',
    ]);
  });
});
