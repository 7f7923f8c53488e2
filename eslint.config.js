import tseslint from 'typescript-eslint';
import boundaries from './tools/eslint-module-boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'tmp/**', '.canyu/**', 'packages/*/dist/**', 'packages/server/src/db/migrations/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { canyu: boundaries },
    rules: {
      'canyu/module-boundaries': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
    },
  },
);
