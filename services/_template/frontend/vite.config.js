// Dev server on __FRONTEND_PORT__; /api is proxied to the backend (API_URL) so the page uses
// relative paths, as it does behind nginx in the image.
import { defineConfig } from "vite";

const apiUrl = process.env.API_URL || "http://localhost:__SERVICE_PORT__";

export default defineConfig({
  server: {
    port: __FRONTEND_PORT__,
    strictPort: true,
    host: true,
    proxy: { "/api": { target: apiUrl, changeOrigin: true } },
  },
  preview: { port: __FRONTEND_PORT__, host: true },
});
