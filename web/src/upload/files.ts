// Files from a drop (folders walked recursively) or a picker, and what the drive will accept.

/** The content type to declare: the browser's, or one from the extension when it gives none. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif',
  bmp: 'image/bmp', tif: 'image/tiff', tiff: 'image/tiff', heic: 'image/heic', avif: 'image/avif',
}

export function contentType(file: File): string {
  if (file.type) return file.type
  const extension = file.name.split('.').pop()?.toLowerCase() ?? ''
  return TYPE_BY_EXTENSION[extension] ?? 'application/octet-stream'
}

export interface Picked {
  file: File
  /** folder/sub/name.jpg for files from a folder, else the name */
  path: string
}

export function fromFileList(list: FileList | File[]): Picked[] {
  return Array.from(list).map((file) => ({ file, path: file.webkitRelativePath || file.name }))
}

/** Everything dropped: plain files and the contents of dropped folders, at any depth. */
export async function fromDataTransfer(data: DataTransfer): Promise<Picked[]> {
  const entries = Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null)
  if (!entries.length || entries.some((e) => e === null)) return fromFileList(data.files)
  const picked: Picked[] = []
  for (const entry of entries) await walk(entry as FileSystemEntry, picked)
  return picked
}

async function walk(entry: FileSystemEntry, out: Picked[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push({ file, path: entry.fullPath.replace(/^\//, '') })
    return
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  // readEntries returns at most ~100 entries a call: read until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
    if (!batch.length) break
    for (const child of batch) await walk(child, out)
  }
}
