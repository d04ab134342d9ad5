// The presigned POST straight to S3, by XMLHttpRequest because fetch reports no upload progress.
import type { PresignedPost } from '@/api/types'

export interface UploadHandle {
  done: Promise<void>
  abort(): void
}

export class UploadFailed extends Error {}

export function postToS3(post: PresignedPost, file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest()
  const form = new FormData()
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value)
  form.append('file', file) // S3 ignores every field after the file: it goes last
  const done = new Promise<void>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1)
        resolve()
      } else reject(new UploadFailed(s3Message(xhr.responseText) ?? `storage answered ${xhr.status}`))
    }
    xhr.onerror = () => reject(new UploadFailed('the upload was interrupted (network error)'))
    xhr.onabort = () => reject(new UploadFailed('cancelled'))
  })
  xhr.open('POST', post.url)
  xhr.send(form)
  return { done, abort: () => xhr.abort() }
}

/** S3 explains a refusal in XML: <Error><Code>EntityTooLarge</Code><Message>…</Message></Error>. */
export function s3Message(xml: string): string | null {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1]
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1]
  if (!code && !message) return null
  return [code, message].filter(Boolean).join(': ')
}
