export type ProgressBarProps = {
  /** The accessible name, e.g. "Download of ppocr-v4-det". */
  label: string
  value: number
  max: number
  /** What a screen reader says instead of the bare percentage, e.g. "1.2 MB of 4.7 MB". */
  text: string
  testId?: string | undefined
}

/** A determinate progress bar: role=progressbar with its value as a percentage. */
export function ProgressBar({ label, value, max, text, testId }: ProgressBarProps) {
  const percent = max > 0 ? Math.min(100, Math.max(0, Math.round((value / max) * 100))) : 0
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={text}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  )
}
