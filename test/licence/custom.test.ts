/** Licences built term by term (the publish wizard's builder): overrides, refused combinations, legal text. */
import { LicenceCombinationError } from '@/lib/licence/presets';
import { customTerms, customText, presetFlags } from '@/lib/licence/custom';

const options = { currency: '0x00000000000000000000000000000000000000c0' as const, downloadPrice: 5_000_000n, computePrice: 1_000_000n, accessDuration: 86_400n, uri: 'ipfs://legal' };

it('starts from the preset and changes only the terms asked for', () => {
  expect(presetFlags('commercial')).toEqual({
    commercialUse: true,
    commercialAttribution: true,
    derivativesAllowed: false,
    derivativesAttribution: false,
    derivativesReciprocal: false,
    aiTrainingAllowed: false,
    transferable: false,
    computeOnly: false,
  });
  const terms = customTerms('commercial', { aiTrainingAllowed: true, transferable: true }, options);
  expect(terms).toEqual({ ...presetFlags('commercial'), aiTrainingAllowed: true, transferable: true, commercialRevShare: 0, ...options });
});

it('lets a compute-only preset become downloadable and takes the revenue share asked for', () => {
  const terms = customTerms('compute-only', { computeOnly: false, commercialUse: true }, { ...options, revShareBps: 250 });
  expect(terms).toMatchObject({ computeOnly: false, commercialUse: true, commercialRevShare: 250, downloadPrice: 5_000_000n });
});

it('refuses the combinations the registry refuses, with the reason', () => {
  const refused = (make: () => unknown) => {
    try {
      make();
    } catch (error) {
      expect(error).toBeInstanceOf(LicenceCombinationError);
      return (error as Error).message;
    }
    throw new Error('expected a LicenceCombinationError');
  };
  expect(refused(() => customTerms('commercial', { derivativesReciprocal: true }, options))).toBe('invalid licence: reciprocal licensing without derivatives');
  expect(refused(() => customTerms('commercial', { computeOnly: true }, options))).toBe('invalid licence: compute-only data is never downloaded, so it cannot have a download price');
  expect(refused(() => customTerms('non-commercial', {}, { ...options, revShareBps: 100 }))).toBe('invalid licence: a revenue share needs commercial use');
});

it('writes the legal text from the terms, one permission a line', () => {
  const text = customText(customTerms('commercial', { aiTrainingAllowed: true }, options));
  expect(text.startsWith('Datagora licence: custom (v1)\n\n')).toBe(true);
  expect(text.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(6);
  expect(text).toMatch(/^- Yes: .*AI/m);
});
