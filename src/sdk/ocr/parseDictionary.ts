/**
 * The PP-OCR rec dictionary (the model's `dictionary` asset, ppocr_keys_v1.txt): one character
 * per line, UTF-8. Class 0 of the model is the CTC blank, classes 1..n are the lines in order and
 * class n + 1 is a space (PaddleOCR's use_space_char), so the model has n + 2 classes.
 */
export function parseDictionary(bytes: Uint8Array | string): string[] {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8').decode(bytes)
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
  if (lines.at(-1) === '') lines.pop()
  return lines
}
