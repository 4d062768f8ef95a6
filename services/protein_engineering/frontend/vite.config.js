// Dev server on 3000; /api is proxied to the backend (API_URL) so the page uses relative paths.
import { defineConfig } from "vite";

const apiUrl = process.env.API_URL || "http://localhost:8000";

export default defineConfig({
  server: {
    port: 3000,
    strictPort: true,
    host: true,
    proxy: { "/api": { target: apiUrl, changeOrigin: true } },
  },
  preview: { port: 3000, host: true },
});
