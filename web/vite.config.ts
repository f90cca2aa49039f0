import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard is its own build; `recoup start` serves web/dist and the API from the same origin, so the app
// calls `/v1` relatively. `npm run web:dev` proxies `/v1` to a running `recoup start` on port 4000.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:4000' } },
});
