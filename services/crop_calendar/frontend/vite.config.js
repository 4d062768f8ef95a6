// Dev server on 3001; /api is proxied to the backend (API_URL) so the page uses
// relative paths, as it does behind nginx in the image.
import { defineConfig } from "vite";

const apiUrl = process.env.API_URL || "http://localhost:8005";

export default defineConfig({
  server: {
    port: 3001,
    strictPort: true,
    host: true,
    proxy: { "/api": { target: apiUrl, changeOrigin: true } },
  },
  preview: { port: 3001, host: true },
});
