/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the dashboard on :5173 and proxies the API and the socket to a running
// `conveyor serve` (CONVEYOR_URL, default http://127.0.0.1:8000). The Host header is kept, so the
// server's same-origin check sees the dev server's origin and accepts the socket.
const target = process.env.CONVEYOR_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  build: {
    // Built into the Python package, which serves it at / (src/conveyor/web/).
    outDir: fileURLToPath(new URL('../src/conveyor/web/static', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': { target },
      '/socket.io': { target, ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    globalSetup: ['./test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One real server for every file; files run one at a time so they do not starve it.
    fileParallelism: false,
  },
});
