// The web client's build: `npm run build` writes it to dist/web, which the query side serves at /.
// `npx vite web` serves it with hot reload against a server on :3000 (`npm start`).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': { target: 'http://localhost:3000', ws: true } },
  },
});
