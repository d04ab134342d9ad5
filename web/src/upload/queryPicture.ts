// A query picture for image search, made small in the browser: CLIP sees 224 px anyway, and a
// small JPEG keeps the request far under the API's inline limit. Nothing is uploaded to storage.
export const QUERY_MAX_SIDE = 512

export async function pictureToBase64(file: Blob): Promise<string> {
  try {
    const bitmap = await createImageBitmap(file)
    const scale = Math.min(1, QUERY_MAX_SIDE / Math.max(bitmap.width, bitmap.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(bitmap.width * scale))
    canvas.height = Math.max(1, Math.round(bitmap.height * scale))
    const context = canvas.getContext('2d')!
    context.fillStyle = '#fff' // transparent pixels become white, as ingestion does
    context.fillRect(0, 0, canvas.width, canvas.height)
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    bitmap.close()
    return canvas.toDataURL('image/jpeg', 0.92).split(',')[1]
  } catch {
    return rawBase64(file) // a format the browser cannot decode: let the API judge the bytes
  }
}

function rawBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).split(',')[1] ?? '')
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(file)
  })
}
