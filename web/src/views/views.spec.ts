// A few screens mounted with the app's real i18n, Pinia and router; the network is scripted.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import HitCard from '@/components/HitCard.vue'
import HealthBanner from '@/components/HealthBanner.vue'
import { i18n, setLocale } from '@/i18n'
import LoginView from './LoginView.vue'

function routerFor() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'gallery', component: { template: '<p>gallery</p>' } },
      { path: '/login', name: 'login', component: LoginView },
      { path: '/images/:id', name: 'image', component: { template: '<p>image</p>' } },
    ],
  })
}

let replies: Record<string, { status: number; body: unknown }>
beforeEach(() => {
  const pinia = createPinia()
  setActivePinia(pinia)
  setLocale('en')
  replies = {}
  vi.stubGlobal('fetch', async (url: string) => {
    const reply = replies[url.split('?')[0]] ?? { status: 404, body: { error: { code: 'not_found', message: 'nothing here' } } }
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'Content-Type': 'application/json' } })
  })
})
afterEach(() => vi.unstubAllGlobals())

async function mountWith(component: object, props: Record<string, unknown> = {}) {
  const router = routerFor()
  await router.push('/login')
  await router.isReady()
  return mount(component, { props, global: { plugins: [i18n, router] }, attachTo: document.body })
}

describe('LoginView', () => {
  it('explains the password policy before submitting and ticks the rules as they are met', async () => {
    const wrapper = await mountWith(LoginView)
    await wrapper.get('[data-testid="auth-switch"]').trigger('click')
    const policy = () => wrapper.get('#password-policy').findAll('li').map((li) => li.classes())
    expect(wrapper.get('#password-policy').text()).toContain('12 to 128 characters')
    await wrapper.get('input#username').setValue('carol')
    await wrapper.get('input#password').setValue('carol-short')
    expect(policy().map((c) => c.includes('ok'))).toEqual([false, false, true])
    await wrapper.get('input#password').setValue('a much longer secret')
    expect(policy().map((c) => c.includes('ok'))).toEqual([true, true, true])
    expect(wrapper.get('[data-testid="auth-submit"]').attributes('disabled')).toBeDefined() // repeat missing
    await wrapper.get('input#repeat').setValue('a much longer secret')
    expect(wrapper.get('[data-testid="auth-submit"]').attributes('disabled')).toBeUndefined()
    wrapper.unmount()
  })

  it("shows the API's own words when it refuses", async () => {
    replies['/api/auth/login'] = { status: 401, body: { error: { code: 'invalid_credentials', message: 'wrong username or password' } } }
    const wrapper = await mountWith(LoginView)
    await wrapper.get('input#username').setValue('dave')
    await wrapper.get('input#password').setValue('whatever it is')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="auth-error"]').text()).toContain('wrong username or password')
    wrapper.unmount()
  })

  it('speaks Chinese when switched', async () => {
    const wrapper = await mountWith(LoginView)
    setLocale('zh')
    await flushPromises()
    expect(wrapper.text()).toContain('登录')
    expect(document.documentElement.lang).toBe('zh-CN')
    setLocale('en')
    wrapper.unmount()
  })
})

describe('HitCard', () => {
  it('shows the score, highlighted OCR words and why a hybrid hit matched', async () => {
    const hit = {
      id: 5, filename: 'receipt.png', owner_id: 1, visibility: 'private', score: 0.0325, cosine: 0.21,
      thumbnail_url: 'http://thumbs/5.jpg', snippet: 'TOTAL INVOICE 4711', highlights: [[6, 13]],
      reasons: [{ source: 'ocr', rank: 1, score: 0.9 }, { source: 'clip', rank: 3, score: 0.21 }],
    }
    const wrapper = await mountWith(HitCard, { hit })
    expect(wrapper.get('[data-testid="hit-score"]').text()).toContain('0.033')
    expect(wrapper.get('mark').text()).toBe('INVOICE')
    expect(wrapper.get('img').attributes('alt')).toBe('receipt.png')
    expect(wrapper.get('[data-testid="hit-reasons"]').text()).toContain('the words are written in it (rank 1)')
    wrapper.unmount()
  })
})

describe('HealthBanner', () => {
  it('stays hidden when the drive is healthy and names what is down or random-init', async () => {
    replies['/api/health'] = { status: 200, body: { status: 'ok', down: [], dependencies: {} } }
    const healthy = await mountWith(HealthBanner)
    await flushPromises()
    expect(healthy.find('[data-testid="health-banner"]').exists()).toBe(false)
    healthy.unmount()

    setActivePinia(createPinia())
    replies['/api/health'] = { status: 503, body: { status: 'degraded', down: ['postgres'], models: { clip: { source: 'random-init' } } } }
    const sick = await mountWith(HealthBanner)
    await flushPromises()
    const text = sick.get('[data-testid="health-banner"]').text()
    expect(text).toContain('postgres')
    expect(text).toContain('clip run on random-init weights')
    sick.unmount()
  })
})
