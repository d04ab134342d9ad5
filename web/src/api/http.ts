// The one way the app talks to the API: same origin under /api, the access token from memory, the
// API's error body turned into an ApiError whose message is the API's own words.
import type { ApiErrorBody } from './types'

export const API_BASE = '/api'
export const CSRF_COOKIE = 'imagedrive_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** How requests get and renew the access token; the auth store plugs itself in (no import cycle). */
export interface TokenSource {
  token(): string | null
  /** Renew after a 401; true when a new token is ready. */
  renew(): Promise<boolean>
}

let tokens: TokenSource = { token: () => null, renew: async () => false }

export function useTokenSource(source: TokenSource): void {
  tokens = source
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  /** false for the routes that take no bearer token (login, register, refresh, logout) */
  auth?: boolean
  signal?: AbortSignal
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return decodeURIComponent(value.join('='))
  }
  return null
}

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
  }
  const search = params.toString()
  return `${API_BASE}${path}${search ? `?${search}` : ''}`
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true
  const response = await send(path, options, auth)
  if (response.status === 401 && auth && (await tokens.renew())) {
    return parse<T>(await send(path, options, auth)) // once: a second 401 is the answer
  }
  return parse<T>(response)
}

async function send(path: string, options: RequestOptions, auth: boolean): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  const token = auth ? tokens.token() : null
  if (token) headers.Authorization = `Bearer ${token}`
  let body: BodyInit | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  try {
    return await fetch(apiUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network_error', 'The drive cannot be reached. Check your connection and try again.')
  }
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let data: unknown = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (response.ok) return data as T
  const error = (data as ApiErrorBody | null)?.error
  const retryAfter = Number(response.headers.get('Retry-After')) || null
  if (error?.message) throw new ApiError(response.status, error.code, error.message, error.details, retryAfter)
  throw new ApiError(response.status, 'http_error', `The drive answered ${response.status} ${response.statusText}`.trim())
}
