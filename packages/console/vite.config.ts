// The console's build: served by the Canyu server under /console/ (packages/server/src/http/console.ts).
// Vendor code is split so the first page loads React, the router and antd's core only; each
// section (pages/*) and ECharts are separate chunks loaded on demand (React.lazy).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:4000' } },
});
