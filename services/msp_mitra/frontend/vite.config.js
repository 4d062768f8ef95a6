// Dev server on 5173; /api is proxied to the backend (API_URL) so the page uses relative paths.
import { defineConfig } from "vite";

const apiUrl = process.env.API_URL || "http://localhost:8001";

export default defineConfig({
  server: {
    port: 5173,
    strictPort: true,
    host: true,
    proxy: { "/api": { target: apiUrl, changeOrigin: true } },
  },
  preview: { port: 5173, host: true },
});
