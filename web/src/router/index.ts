// HTML5 history routes, one lazily loaded chunk per screen. Every screen but login needs a session;
// after a page load the refresh cookie restores it before the first guard decides.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/layouts/AppLayout.vue'),
    children: [
      { path: '', name: 'gallery', component: () => import('@/views/GalleryView.vue') },
      { path: 'upload', name: 'upload', component: () => import('@/views/UploadView.vue') },
      { path: 'images/:id(\\d+)', name: 'image', component: () => import('@/views/ImageView.vue'), props: (r) => ({ id: Number(r.params.id) }) },
      { path: 'search', name: 'search', component: () => import('@/views/SearchView.vue') },
      { path: 'duplicates', name: 'duplicates', component: () => import('@/views/DuplicatesView.vue') },
      { path: 'categories', name: 'categories', component: () => import('@/views/CategoriesView.vue') },
      { path: 'analytics', name: 'analytics', component: () => import('@/views/AnalyticsView.vue') },
      { path: 'library', name: 'library', component: () => import('@/views/LibraryView.vue') },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

let restored = false
router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!restored) {
    restored = true
    await auth.restore()
  }
  if (!to.meta.public && !auth.isLoggedIn) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.name === 'login' && auth.isLoggedIn) return { name: 'gallery' }
})
