/**
 * ESLint flat config for the whole repo: Next.js (core web vitals) and typescript-eslint everywhere; React's
 * hook rules only where React runs (app/, components/); CommonJS for the CLI in bin/ and *.js config files.
 */
import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';

// Node code may name functions `use…` (test fixtures) without being React hooks: switch the plugin off there.
const reactHooksPlugin = nextCoreWebVitals.find((entry) => entry.name === 'next')?.plugins?.['react-hooks'];
const reactHooksOff = Object.fromEntries(Object.keys(reactHooksPlugin?.rules ?? {}).map((rule) => [`react-hooks/${rule}`, 'off']));

const config = [
  {
    ignores: ['.next/**', 'node_modules/**', 'lib/contracts/generated/**', '.datagora/**', 'bench/results/**', 'next-env.d.ts'],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    files: ['lib/**', 'scripts/**', 'test/**', 'bench/**', 'bin/**', '*.config.{js,mjs,ts}'],
    rules: reactHooksOff,
  },
  {
    // CommonJS: the CLI (no extension, so it is named to be linted at all) and the *.js config files.
    files: ['bin/datagora', 'bin/**/*.js', '**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Zero warnings is the bar, so what the Next presets only warn about is an error here.
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
];

export default config;
