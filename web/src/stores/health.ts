// What /health says about the drive, checked on load and every minute. A dependency that is down,
// or models without real weights (random-init: results mean nothing), must never go unnoticed.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { apiUrl } from '@/api/http'

export interface HealthBody {
  status?: string
  down?: string[]
  dependencies?: Record<string, { ok: boolean; latency_ms?: number; error?: string | null }>
  models?: unknown
}

const POLL_MS = 60_000

/** Names of the models that cannot give meaningful results. The `models` entry may be absent
 *  (older API), a map name → {source, ok?, degraded?} or a list of {name, source, …}. */
export function degradedModels(models: unknown): string[] {
  if (!models || typeof models !== 'object') return []
  const entries: [string, unknown][] = Array.isArray(models)
    ? models.map((m, i) => [String((m as { name?: string })?.name ?? i), m])
    : Object.entries(models as Record<string, unknown>)
  return entries
    .filter(([, model]) => {
      if (typeof model === 'string') return model === 'random-init'
      const m = (model ?? {}) as { source?: string; ok?: boolean; degraded?: boolean; status?: string }
      return m.source === 'random-init' || m.degraded === true || m.ok === false || m.status === 'degraded'
    })
    .map(([name]) => name)
}

export const useHealthStore = defineStore('health', () => {
  const body = ref<HealthBody | null>(null)
  const unreachable = ref(false)
  const checkedAt = ref<number | null>(null)
  let timer: ReturnType<typeof setInterval> | null = null

  const down = computed(() => body.value?.down ?? [])
  const models = computed(() => degradedModels(body.value?.models))
  const problem = computed(() => unreachable.value || down.value.length > 0 || models.value.length > 0)

  async function check(): Promise<void> {
    try {
      const response = await fetch(apiUrl('/health'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      body.value = (await response.json()) as HealthBody // 503 still carries the report
      unreachable.value = false
    } catch {
      unreachable.value = true
    }
    checkedAt.value = Date.now()
  }

  function watch(): void {
    if (timer) return
    void check()
    timer = setInterval(() => void check(), POLL_MS)
  }

  return { body, unreachable, checkedAt, down, models, problem, check, watch }
})
