// HTML5 history routes, one lazily loaded chunk per screen. Every screen but login needs a session;
// after a page load the refresh cookie restores it before the first guard decides.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { i18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, title: 'auth.login' } },
  {
    path: '/',
    component: () => import('@/layouts/AppLayout.vue'),
    children: [
      { path: '', name: 'gallery', component: () => import('@/views/GalleryView.vue'), meta: { title: 'nav.gallery' } },
      { path: 'upload', name: 'upload', component: () => import('@/views/UploadView.vue'), meta: { title: 'nav.upload' } },
      {
        path: 'images/:id(\\d+)', name: 'image', component: () => import('@/views/ImageView.vue'),
        props: (r) => ({ id: Number(r.params.id) }), meta: { title: 'image.details' },
      },
      { path: 'search', name: 'search', component: () => import('@/views/SearchView.vue'), meta: { title: 'nav.search' } },
      { path: 'duplicates', name: 'duplicates', component: () => import('@/views/DuplicatesView.vue'), meta: { title: 'nav.duplicates' } },
      { path: 'categories', name: 'categories', component: () => import('@/views/CategoriesView.vue'), meta: { title: 'nav.categories' } },
      { path: 'analytics', name: 'analytics', component: () => import('@/views/AnalyticsView.vue'), meta: { title: 'nav.analytics' } },
      { path: 'library', name: 'library', component: () => import('@/views/LibraryView.vue'), meta: { title: 'nav.library' } },
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

// Each screen names itself in the tab title, so history, tabs and screen readers say where you are.
router.afterEach((to) => {
  const { t } = i18n.global
  document.title = to.meta.title ? `${t(to.meta.title as string)} · ${t('app.name')}` : t('app.name')
})
