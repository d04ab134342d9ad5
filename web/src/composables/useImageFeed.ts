// Pages of images over the API's keyset cursor, appended as the user scrolls. PENDING images are
// re-read every few seconds until they are READY or FAILED, in place, so the grid never jumps.
import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { drive } from '@/api/drive'
import type { ImageQuery, ImageSummary } from '@/api/types'
import { describeError } from '@/utils/errors'

export const PAGE_SIZE = 60
export const PENDING_POLL_MS = 3000

export function useImageFeed() {
  const items = ref<ImageSummary[]>([])
  const cursor = shallowRef<string | null>(null)
  const done = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let query: ImageQuery = {}
  let generation = 0
  let controller: AbortController | null = null

  async function reset(next: ImageQuery): Promise<void> {
    query = next
    generation += 1
    controller?.abort()
    items.value = []
    cursor.value = null
    done.value = false
    error.value = null
    loading.value = false
    await loadMore()
  }

  async function loadMore(): Promise<void> {
    if (loading.value || done.value) return
    const mine = generation
    loading.value = true
    controller = new AbortController()
    try {
      const page = await drive.images({ ...query, limit: PAGE_SIZE, cursor: cursor.value ?? undefined }, controller.signal)
      if (mine !== generation) return
      const seen = new Set(items.value.map((i) => i.id))
      items.value.push(...page.items.filter((i) => !seen.has(i.id)))
      cursor.value = page.next_cursor
      done.value = page.next_cursor === null
      error.value = null
    } catch (e) {
      if (mine === generation && (e as Error).name !== 'AbortError') error.value = describeError(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** Pictures added since the first page was read (new uploads) go on top, without a reload. */
  async function prependNew(): Promise<void> {
    if (query.sort && query.sort !== 'newest') return
    try {
      const head = await drive.images({ ...query, limit: PAGE_SIZE })
      const seen = new Set(items.value.map((i) => i.id))
      const fresh = head.items.filter((i) => !seen.has(i.id))
      if (fresh.length) items.value.unshift(...fresh)
      if (!items.value.length) done.value = head.next_cursor === null
    } catch {
      /* the next upload or a reload tries again */
    }
  }

  const timer = setInterval(() => void refreshPending(), PENDING_POLL_MS)
  async function refreshPending(): Promise<void> {
    const pending = items.value.filter((i) => i.status === 'PENDING').slice(0, 20)
    await Promise.all(pending.map(async (image) => {
      try {
        const fresh = await drive.image(image.id)
        const index = items.value.findIndex((i) => i.id === image.id)
        if (index >= 0 && fresh.status !== 'PENDING') items.value[index] = { ...items.value[index], ...fresh }
      } catch {
        /* deleted meanwhile or a blip: the next round tries again */
      }
    }))
  }
  onBeforeUnmount(() => {
    clearInterval(timer)
    controller?.abort()
  })

  return { items, done, loading, error, reset, loadMore, refreshPending, prependNew }
}
