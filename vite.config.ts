import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The API that `npm run dev` starts beside Vite (PORT), and the port of Vite's own dev server (DEV_WEB_PORT). */
const apiPort = process.env.PORT ?? '3000';
const webPort = Number(process.env.DEV_WEB_PORT ?? 5173);

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: { outDir: 'dist/client', emptyOutDir: true, sourcemap: false },
  server: {
    port: webPort,
    // The port scripts/dev.mjs announces, or a clear error: never a silent move to the next free one.
    strictPort: true,
    proxy: {
      // An object, not the string shorthand: the shorthand turns on changeOrigin, which rewrites Host to the
      // API's address, so the server's cross-site guard sees Origin (this port) ≠ Host and refuses every write.
      '/api': { target: `http://127.0.0.1:${apiPort}`, changeOrigin: false },
    },
  },
});
