/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'

// The API lives under /api on the app's own origin. For development, `npm run dev` forwards it to a
// `chalice local` (IMAGEDRIVE_WEB_API, default :8001) the way localcloud/webapp.py and CloudFront do: /api
// stripped; the refresh cookie's path is moved under /api for a chalice started without IMAGEDRIVE_API_BASE_PATH.
const apiTarget = process.env.IMAGEDRIVE_WEB_API ?? 'http://127.0.0.1:8001'

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus on demand: only the components and services a chunk uses are bundled, with their CSS.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: 'src/auto-imports.d.ts' }),
    Components({ resolvers: [ElementPlusResolver()], dts: 'src/components.d.ts' }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: {
      '/api': {
        target: apiTarget,
        rewrite: (path) => path.replace(/^\/api/, '') || '/',
        cookiePathRewrite: { '/auth': '/api/auth' },
      },
    },
  },
  build: {
    manifest: true, // benchmarks/web.py measures the initial JavaScript from it
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
    server: { deps: { inline: ['element-plus'] } },
  },
})
