// The upload queue: files are checked locally, presigned in batches (the API gives a reason for each
// refusal before any byte is sent), posted to S3 a few at a time with progress, then followed
// through ingestion until READY or FAILED.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { drive } from '@/api/drive'
import type { ImageSummary, PresignedPost } from '@/api/types'
import { contentType, type Picked } from '@/upload/files'
import { postToS3, type UploadHandle } from '@/upload/xhr'
import { describeError } from '@/utils/errors'

export type UploadState =
  | 'waiting' | 'refused' | 'uploading' | 'processing' | 'ready' | 'failed' | 'error' | 'duplicate' | 'cancelled'

export interface UploadItem {
  id: number
  file: File
  path: string
  size: number
  type: string
  state: UploadState
  progress: number
  /** why it was refused or failed, in the API's (or S3's) words */
  reason: string | null
  key: string | null
  imageId: number | null
  sentAt: number | null
}

export const PRESIGN_BATCH = 100
export const PARALLEL_UPLOADS = 3
export const STATUS_POLL_MS = 2000
/** Ingestion makes no new row for bytes you already have: a file still unseen this long after the
 *  last one was seen is taken to be such a duplicate. */
export const UNSEEN_AFTER_MS = 90_000

const FINISHED: UploadState[] = ['refused', 'ready', 'failed', 'error', 'duplicate', 'cancelled']

/** The name ingestion gives the image: the last part of the object key the API chose. */
export function nameFromKey(key: string): string {
  return key.split('/').pop() ?? key
}

export const useUploadStore = defineStore('upload', () => {
  const items = ref<UploadItem[]>([])
  let nextId = 1
  const running = new Map<number, UploadHandle>()
  const posts = new Map<number, PresignedPost>()
  let poller: ReturnType<typeof setTimeout> | null = null
  let lastSeenAt = Date.now()

  const total = computed(() => items.value.length)
  const finished = computed(() => items.value.filter((i) => FINISHED.includes(i.state)).length)
  const active = computed(() => total.value - finished.value)

  function item(id: number): UploadItem {
    return items.value.find((i) => i.id === id)!
  }

  /** Queue files and start: local refusals first, then one presign call per batch. */
  async function add(picked: Picked[]): Promise<void> {
    const added: UploadItem[] = picked.map(({ file, path }) => ({
      id: nextId++, file, path, size: file.size, type: contentType(file), state: 'waiting', progress: 0,
      reason: null, key: null, imageId: null, sentAt: null,
    }))
    items.value.push(...added)
    for (const entry of added) {
      const refusal = localRefusal(entry)
      if (refusal) Object.assign(item(entry.id), { state: 'refused', reason: refusal })
    }
    const toPresign = added.filter((i) => item(i.id).state === 'waiting')
    for (let start = 0; start < toPresign.length; start += PRESIGN_BATCH) {
      await presign(toPresign.slice(start, start + PRESIGN_BATCH))
    }
    pump()
  }

  function localRefusal(entry: UploadItem): string | null {
    if (entry.size === 0) return 'the file is empty'
    if (!entry.type.startsWith('image/')) return `${entry.type} is not an image type the drive accepts`
    return null
  }

  async function presign(batch: UploadItem[]): Promise<void> {
    try {
      const answer = await drive.presignBatch(batch.map((i) => ({ filename: nameOf(i), content_type: i.type, size: i.size })))
      answer.items.forEach((result, index) => {
        const target = item(batch[index].id)
        if (result.upload) {
          posts.set(target.id, result.upload)
          target.key = result.upload.key
        } else {
          Object.assign(target, { state: 'refused', reason: result.error?.message ?? 'refused' })
        }
      })
    } catch (error) {
      const reason = describeError(error)
      for (const entry of batch) Object.assign(item(entry.id), { state: 'error', reason })
    }
  }

  function nameOf(entry: UploadItem): string {
    return entry.file.name.slice(0, 255)
  }

  /** Keep PARALLEL_UPLOADS transfers going until nothing waits. */
  function pump(): void {
    const waiting = items.value.filter((i) => i.state === 'waiting' && posts.has(i.id))
    while (running.size < PARALLEL_UPLOADS && waiting.length) void send(waiting.shift()!)
  }

  async function send(entry: UploadItem): Promise<void> {
    const target = item(entry.id)
    target.state = 'uploading'
    // Look the row up each time: the reactive copy in the list, which a reset may have removed.
    const current = () => items.value.find((i) => i.id === entry.id)
    const handle = postToS3(posts.get(target.id)!, target.file, (fraction) => {
      const row = current()
      if (row) row.progress = fraction
    })
    running.set(target.id, handle)
    try {
      await handle.done
      const row = current()
      if (row) Object.assign(row, { state: 'processing', progress: 1, sentAt: Date.now() })
      lastSeenAt = Math.max(lastSeenAt, Date.now())
      schedulePoll()
    } catch (error) {
      const row = current()
      if (row && row.state !== 'cancelled') Object.assign(row, { state: 'error', reason: describeError(error) })
    } finally {
      posts.delete(target.id)
      running.delete(target.id)
      pump()
    }
  }

  function cancel(id: number): void {
    const target = item(id)
    if (FINISHED.includes(target.state) || target.state === 'processing') return
    target.state = 'cancelled'
    running.get(id)?.abort()
    posts.delete(id)
  }

  /** Retry a failed transfer: a fresh presign (the old one may have expired), then send. */
  async function retry(id: number): Promise<void> {
    const target = item(id)
    if (target.state !== 'error' && target.state !== 'cancelled') return
    Object.assign(target, { state: 'waiting', progress: 0, reason: null })
    await presign([target])
    pump()
  }

  function schedulePoll(): void {
    if (poller) return
    poller = setTimeout(async () => {
      poller = null
      await followIngestion()
      if (items.value.some((i) => i.state === 'processing')) schedulePoll()
    }, STATUS_POLL_MS)
  }

  /** One listing of your newest images covers every file still being processed. */
  async function followIngestion(): Promise<void> {
    const open = items.value.filter((i) => i.state === 'processing')
    if (!open.length) return
    const since = Math.min(...open.map((i) => i.sentAt ?? Date.now())) - 5 * 60_000
    let seen: ImageSummary[]
    try {
      seen = await recentImages(new Date(since).toISOString())
    } catch {
      return // a blip: the next round asks again
    }
    const claimed = new Set(items.value.map((i) => i.imageId).filter((id) => id !== null))
    for (const entry of open) {
      const target = item(entry.id)
      const image = target.imageId !== null
        ? seen.find((s) => s.id === target.imageId)
        : seen.find((s) => !claimed.has(s.id) && s.filename === nameFromKey(target.key ?? ''))
      if (!image) {
        if (Date.now() - Math.max(lastSeenAt, target.sentAt ?? 0) > UNSEEN_AFTER_MS) target.state = 'duplicate'
        continue
      }
      lastSeenAt = Date.now()
      claimed.add(image.id)
      target.imageId = image.id
      if (image.status === 'READY') target.state = 'ready'
      if (image.status === 'FAILED') {
        target.state = 'failed'
        target.reason = image.error
      }
    }
  }

  async function recentImages(since: string): Promise<ImageSummary[]> {
    const found: ImageSummary[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10; page++) {
      const answer = await drive.images({ scope: 'mine', sort: 'newest', uploaded_from: since, limit: 100, cursor })
      found.push(...answer.items)
      if (!answer.next_cursor) break
      cursor = answer.next_cursor
    }
    return found
  }

  // Leaving the page would cut the transfers that are still running: the browser asks first.
  if (typeof window !== 'undefined') {
    window.addEventListener('beforeunload', (event) => {
      if (items.value.some((i) => i.state === 'waiting' || i.state === 'uploading')) event.preventDefault()
    })
  }

  function clearFinished(): void {
    items.value = items.value.filter((i) => !FINISHED.includes(i.state))
  }

  /** Logging out: stop every transfer and forget the queue. */
  function reset(): void {
    for (const handle of running.values()) handle.abort()
    running.clear()
    posts.clear()
    if (poller) clearTimeout(poller)
    poller = null
    items.value = []
  }

  return { items, total, finished, active, add, cancel, retry, clearFinished, reset, followIngestion }
})
