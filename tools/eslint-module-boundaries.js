// ESLint rule: code outside packages/*/src/modules/<name>/ may import that module only through its
// index.ts. Imports inside a module are free. (ARCHITECTURE.md, "Boundaries" 1.)
import path from 'node:path';

const MODULE_DIR = /^(.*\/src\/modules\/[^/]+)(\/.*)?$/;

export default {
  rules: {
    'module-boundaries': {
      meta: {
        type: 'problem',
        docs: { description: "Import another module only through its index.ts" },
        messages: { internal: "'{{source}}' reaches into module '{{module}}'; import '{{module}}/index.ts' instead." },
        schema: [],
      },
      create(context) {
        const file = context.filename ?? context.getFilename();
        const check = (node) => {
          const source = node.source && node.source.value;
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const target = path.resolve(path.dirname(file), source);
          const m = MODULE_DIR.exec(target);
          if (!m) return;
          const moduleRoot = m[1];
          if (file.startsWith(`${moduleRoot}/`)) return;
          const rest = m[2] ?? '';
          if (rest === '' || rest === '/index.ts' || rest === '/index.js' || rest === '/index') return;
          context.report({ node: node.source, messageId: 'internal', data: { source, module: path.basename(moduleRoot) } });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: (n) => check({ source: n.source }) };
      },
    },
  },
};
