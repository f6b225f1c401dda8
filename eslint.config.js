import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/gen/', 'dist/', '.data/', 'clients/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, benchmarks and command-line entry points may print.
    files: ['test/**', 'bench/**', 'src/mongo-emulator/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
