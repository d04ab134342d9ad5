// The session in the browser. The access token lives only in this store (memory), never in storage.
// The HttpOnly refresh cookie plus the CSRF double-submit header renew it a minute before it
// expires and once after a 401; a reused refresh token ends the session with the API's message.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError, CSRF_COOKIE, CSRF_HEADER, readCookie, useTokenSource } from '@/api/http'
import type { TokenOut, User } from '@/api/types'

/** Renew this long before the token expires, so a request never leaves with a stale one. */
export const RENEW_MARGIN_S = 60

export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(null)
  const user = ref<User | null>(null)
  const expiresAt = ref<number | null>(null)
  /** Why the session ended, shown on the login page (e.g. a reused refresh token). */
  const notice = ref<string | null>(null)
  let renewTimer: ReturnType<typeof setTimeout> | null = null
  let refreshing: Promise<boolean> | null = null

  const isLoggedIn = computed(() => accessToken.value !== null)
  const isAdmin = computed(() => user.value?.role === 'admin')

  function apply(tokens: TokenOut): void {
    accessToken.value = tokens.access_token
    user.value = tokens.user
    expiresAt.value = Date.now() + tokens.expires_in * 1000
    notice.value = null
    scheduleRenewal(tokens.expires_in)
  }

  function scheduleRenewal(expiresIn: number): void {
    if (renewTimer) clearTimeout(renewTimer)
    const delayS = Math.max(expiresIn - RENEW_MARGIN_S, expiresIn / 2)
    renewTimer = setTimeout(() => void refresh(), delayS * 1000)
  }

  function clear(): void {
    if (renewTimer) clearTimeout(renewTimer)
    renewTimer = null
    accessToken.value = null
    user.value = null
    expiresAt.value = null
  }

  async function login(username: string, password: string): Promise<void> {
    apply(await api<TokenOut>('/auth/login', { method: 'POST', body: { username, password }, auth: false }))
  }

  async function register(username: string, password: string): Promise<void> {
    await api<User>('/auth/register', { method: 'POST', body: { username, password }, auth: false })
    await login(username, password)
  }

  /** One refresh at a time, in this tab and across tabs (they share the cookie, so a second
   *  concurrent refresh would present a rotated token and end the session as a reuse). */
  function refresh(): Promise<boolean> {
    refreshing ??= acrossTabs(renewNow).finally(() => {
      refreshing = null
    })
    return refreshing
  }

  async function renewNow(): Promise<boolean> {
    const csrf = readCookie(CSRF_COOKIE)
    if (!csrf) {
      if (accessToken.value) endSession(null)
      return false
    }
    try {
      apply(await api<TokenOut>('/auth/refresh', { method: 'POST', headers: { [CSRF_HEADER]: csrf }, auth: false }))
      return true
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        // Only say why when someone was logged in, or the token was reused (always worth knowing).
        const wasIn = accessToken.value !== null || error.code === 'refresh_reused'
        endSession(wasIn ? error.message : null)
        return false
      }
      throw error
    }
  }

  function endSession(message: string | null): void {
    clear()
    notice.value = message
  }

  async function logout(): Promise<void> {
    const csrf = readCookie(CSRF_COOKIE)
    try {
      if (csrf) await api('/auth/logout', { method: 'POST', headers: { [CSRF_HEADER]: csrf }, auth: false })
    } finally {
      clear()
      notice.value = null
    }
  }

  /** After a page load the token is gone (memory only); the refresh cookie brings the session back. */
  async function restore(): Promise<void> {
    if (accessToken.value || !readCookie(CSRF_COOKIE)) return
    try {
      await refresh()
    } catch {
      clear() // the drive is unreachable: show the login page, the health banner says why
    }
  }

  useTokenSource({ token: () => accessToken.value, renew: () => refresh() })

  return { accessToken, user, expiresAt, notice, isLoggedIn, isAdmin, login, register, refresh, logout, restore, clear }
})

async function acrossTabs<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) return work()
  return locks.request('imagedrive-refresh', work) as Promise<T>
}
