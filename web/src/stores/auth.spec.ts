// The session logic against a scripted fetch (the network is the boundary, not the code under test).
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/http'
import { RENEW_MARGIN_S, useAuthStore } from './auth'

type Reply = { status: number; body?: unknown; headers?: Record<string, string> }
let replies: Record<string, Reply[]>
let calls: { url: string; init: RequestInit }[]

function tokens(token: string, expiresIn = 900) {
  return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, csrf_token: `csrf-${token}`,
    user: { id: 1, username: 'alice', role: 'user', created_at: '2026-01-01T00:00:00Z' } }
}

beforeEach(() => {
  setActivePinia(createPinia())
  replies = {}
  calls = []
  document.cookie = 'imagedrive_csrf=csrf-1; path=/'
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    const path = url.split('?')[0]
    const next = replies[path]?.shift()
    if (!next) throw new TypeError('no scripted reply for ' + path)
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), {
      status: next.status, headers: { 'Content-Type': 'application/json', ...next.headers },
    })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  document.cookie = 'imagedrive_csrf=; path=/; max-age=0'
})

describe('auth store', () => {
  it('keeps the access token in memory only and sends it as a bearer token', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('t1') }]
    replies['/api/images/stats'] = [{ status: 200, body: { count: 0 } }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    await api('/images/stats')
    expect(auth.isLoggedIn).toBe(true)
    expect((calls[1].init.headers as Record<string, string>).Authorization).toBe('Bearer t1')
    expect(JSON.stringify(localStorage)).not.toContain('t1')
    expect(JSON.stringify(sessionStorage)).not.toContain('t1')
  })

  it('renews once on a 401 with the CSRF header and retries the request', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('old') }]
    replies['/api/images/stats'] = [
      { status: 401, body: { error: { code: 'invalid_token', message: 'expired' } } },
      { status: 200, body: { count: 3 } },
    ]
    replies['/api/auth/refresh'] = [{ status: 200, body: tokens('new') }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    const stats = await api<{ count: number }>('/images/stats')
    expect(stats.count).toBe(3)
    const refresh = calls.find((c) => c.url === '/api/auth/refresh')!
    expect((refresh.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-1')
    expect(refresh.init.credentials).toBe('same-origin')
    expect((calls[calls.length - 1].init.headers as Record<string, string>).Authorization).toBe('Bearer new')
  })

  it('gives up after one renewal: a second 401 is the answer, with the API message', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('a') }]
    replies['/api/images/stats'] = [
      { status: 401, body: { error: { code: 'invalid_token', message: 'no' } } },
      { status: 401, body: { error: { code: 'invalid_token', message: 'still no' } } },
    ]
    replies['/api/auth/refresh'] = [{ status: 200, body: tokens('b') }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    await expect(api('/images/stats')).rejects.toThrow('still no')
    expect(calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1)
  })

  it('ends the session with the API message when the refresh token was reused', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('a') }]
    replies['/api/auth/refresh'] = [{ status: 401, body: { error: { code: 'refresh_reused', message: 'this refresh token was already used; every session of this login has been ended' } } }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    expect(await auth.refresh()).toBe(false)
    expect(auth.isLoggedIn).toBe(false)
    expect(auth.notice).toContain('already used')
  })

  it('renews by itself a minute before the token expires', async () => {
    vi.useFakeTimers()
    replies['/api/auth/login'] = [{ status: 200, body: tokens('a', 900) }]
    replies['/api/auth/refresh'] = [{ status: 200, body: tokens('b', 900) }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    await vi.advanceTimersByTimeAsync((900 - RENEW_MARGIN_S - 1) * 1000)
    expect(auth.accessToken).toBe('a')
    await vi.advanceTimersByTimeAsync(2000)
    expect(auth.accessToken).toBe('b')
  })

  it('makes one refresh call for many concurrent 401s', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('a') }]
    replies['/api/auth/refresh'] = [{ status: 200, body: tokens('b') }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    const results = await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()])
    expect(results).toEqual([true, true, true])
    expect(calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1)
  })

  it('logs out with the CSRF header and forgets everything', async () => {
    replies['/api/auth/login'] = [{ status: 200, body: tokens('a') }]
    replies['/api/auth/logout'] = [{ status: 204 }]
    const auth = useAuthStore()
    await auth.login('alice', 'correct horse battery')
    await auth.logout()
    const logout = calls.find((c) => c.url === '/api/auth/logout')!
    expect((logout.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-1')
    expect(auth.isLoggedIn).toBe(false)
    expect(auth.user).toBeNull()
  })

  it('restores a session after a page load from the refresh cookie, and stays out without one', async () => {
    replies['/api/auth/refresh'] = [{ status: 200, body: tokens('restored') }]
    const auth = useAuthStore()
    await auth.restore()
    expect(auth.accessToken).toBe('restored')
    expect(auth.notice).toBeNull()

    setActivePinia(createPinia())
    document.cookie = 'imagedrive_csrf=; path=/; max-age=0'
    const fresh = useAuthStore()
    await fresh.restore()
    expect(fresh.isLoggedIn).toBe(false)
    expect(calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1)
  })
})
