// The upload queue against a scripted network: the API (fetch) and S3 (XMLHttpRequest).
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nameFromKey, PARALLEL_UPLOADS, STATUS_POLL_MS, useUploadStore } from './upload'

class FakeS3Request {
  static open: FakeS3Request[] = []
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  status = 0
  responseText = ''
  url = ''
  body: FormData | null = null
  open(_method: string, url: string) { this.url = url }
  send(body: FormData) { this.body = body; FakeS3Request.open.push(this) }
  abort() { this.onabort?.() }
  progress(loaded: number, total: number) { this.upload.onprogress?.({ lengthComputable: true, loaded, total }) }
  finish(status = 204, text = '') { this.status = status; this.responseText = text; this.onload?.() }
}

let listing: object[] = []
let presignCalls: { files: { filename: string; content_type: string; size: number }[] }[] = []

function post(name: string) {
  return { url: 'http://s3.local/bucket', key: `uploads/7/uuid-${name}/${name}`, fields: { key: `uploads/7/${name}` }, expires_in: 900, max_bytes: 100 }
}

beforeEach(() => {
  setActivePinia(createPinia())
  FakeS3Request.open = []
  listing = []
  presignCalls = []
  vi.stubGlobal('XMLHttpRequest', FakeS3Request)
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const path = url.split('?')[0]
    let body: unknown
    if (path === '/api/upload/batch') {
      const request = JSON.parse(String(init.body))
      presignCalls.push(request)
      body = { items: request.files.map((f: { filename: string; size: number }) => f.size > 100
        ? { filename: f.filename, error: { code: 'image_too_large', message: 'an image may have at most 100 bytes' } }
        : { filename: f.filename, upload: post(f.filename) }) }
    } else if (path === '/api/images') body = { items: listing, next_cursor: null }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

const file = (name: string, size: number, type = 'image/png') => new File([new Uint8Array(size)], name, { type })
const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('upload queue', () => {
  it('refuses before sending: empty files and non-images locally, too-large ones with the API reason', async () => {
    const uploads = useUploadStore()
    await uploads.add([
      { file: file('empty.png', 0), path: 'empty.png' },
      { file: file('notes.txt', 10, 'text/plain'), path: 'notes.txt' },
      { file: file('huge.png', 500), path: 'huge.png' },
      { file: file('ok.png', 50), path: 'ok.png' },
    ])
    const byName = Object.fromEntries(uploads.items.map((i) => [i.file.name, i]))
    expect(byName['empty.png'].state).toBe('refused')
    expect(byName['notes.txt'].reason).toContain('text/plain')
    expect(byName['huge.png'].state).toBe('refused')
    expect(byName['huge.png'].reason).toBe('an image may have at most 100 bytes')
    expect(byName['ok.png'].state).toBe('uploading')
    // One presign call, and only for the files worth asking about.
    expect(presignCalls).toHaveLength(1)
    expect(presignCalls[0].files.map((f) => f.filename)).toEqual(['huge.png', 'ok.png'])
    expect(FakeS3Request.open).toHaveLength(1)
  })

  it('sends the policy fields first and the file last, reports progress, and keeps at most a few transfers going', async () => {
    const uploads = useUploadStore()
    await uploads.add(['a', 'b', 'c', 'd', 'e'].map((n) => ({ file: file(`${n}.png`, 10), path: `${n}.png` })))
    expect(FakeS3Request.open).toHaveLength(PARALLEL_UPLOADS)
    const first = FakeS3Request.open[0]
    expect([...first.body!.keys()]).toEqual(['key', 'file'])
    first.progress(5, 10)
    expect(uploads.items[0].progress).toBe(0.5)
    first.finish(204)
    await flush()
    expect(uploads.items[0].state).toBe('processing')
    expect(FakeS3Request.open).toHaveLength(PARALLEL_UPLOADS + 1)
  })

  it('shows S3 refusals in its own words', async () => {
    const uploads = useUploadStore()
    await uploads.add([{ file: file('a.png', 10), path: 'a.png' }])
    FakeS3Request.open[0].finish(400, '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>')
    await flush()
    expect(uploads.items[0].state).toBe('error')
    expect(uploads.items[0].reason).toBe('EntityTooLarge: Your proposed upload exceeds the maximum allowed size')
  })

  it('follows each sent file to READY or FAILED (with the reason) by the name ingestion gives it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const uploads = useUploadStore()
    await uploads.add([{ file: file('cat.png', 10), path: 'cat.png' }, { file: file('bad.png', 10), path: 'bad.png' }])
    FakeS3Request.open.forEach((r) => r.finish(204))
    await vi.advanceTimersByTimeAsync(0)
    expect(uploads.items.map((i) => i.state)).toEqual(['processing', 'processing'])
    listing = [
      { id: 11, filename: 'cat.png', status: 'PENDING' },
      { id: 12, filename: 'bad.png', status: 'FAILED', error: 'not_an_image: cannot identify image file' },
    ]
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS + 10)
    expect(uploads.items[0]).toMatchObject({ state: 'processing', imageId: 11 })
    expect(uploads.items[1]).toMatchObject({ state: 'failed', imageId: 12, reason: 'not_an_image: cannot identify image file' })
    listing = [{ id: 11, filename: 'cat.png', status: 'READY' }]
    await vi.advanceTimersByTimeAsync(STATUS_POLL_MS + 10)
    expect(uploads.items[0].state).toBe('ready')
  })

  it('forgets everything on reset (log out) and stops transfers', async () => {
    const uploads = useUploadStore()
    await uploads.add([{ file: file('a.png', 10), path: 'a.png' }])
    uploads.reset()
    expect(uploads.items).toEqual([])
  })

  it('takes the image name from the object key', () => {
    expect(nameFromKey('uploads/7/0b1c/holiday_photo.jpg')).toBe('holiday_photo.jpg')
  })
})
