import { defineConfig } from 'vite';

// Served by Tauri from tauri://localhost (or http://tauri.localhost), so all
// asset URLs must be relative. The page runs under a strict CSP: no inline
// scripts, no eval — Vite's production output satisfies that as long as the
// module-preload polyfill (which is harmless but unneeded) stays off.
export default defineConfig({
  base: './',
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
