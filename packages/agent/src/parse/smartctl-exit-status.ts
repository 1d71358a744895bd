/**
 * smartctl's exit status is a bitmask (smartctl(8), "RETURN VALUES"), not
 * a plain failure: a healthy disk with an old entry in its error log exits
 * with 64. Bits 0-2 say smartctl could not do its job; bits 3-7 are
 * findings about the disk.
 */
export type SmartctlExitFlag =
  | 'commandLineError'
  | 'deviceOpenFailed'
  | 'smartCommandFailed'
  | 'diskFailing'
  | 'prefailAtOrBelowThreshold'
  | 'attributeWasAtOrBelowThreshold'
  | 'errorLogHasErrors'
  | 'selfTestLogHasErrors';

const BITS: readonly SmartctlExitFlag[] = [
  'commandLineError', // 1: command line did not parse (also: unknown USB bridge / device type)
  'deviceOpenFailed', // 2: open failed, no IDENTIFY, or device in a low-power mode
  'smartCommandFailed', // 4: a SMART or ATA command failed, or a checksum error
  'diskFailing', // 8: SMART status check returned "DISK FAILING"
  'prefailAtOrBelowThreshold', // 16: prefail attributes <= threshold now
  'attributeWasAtOrBelowThreshold', // 32: "DISK OK" but some attribute was <= threshold in the past
  'errorLogHasErrors', // 64: the device error log has records
  'selfTestLogHasErrors', // 128: the self-test log has errors
];

/** The flags set in an exit status (only the low 8 bits carry meaning). */
export function decodeSmartctlExitStatus(status: number): SmartctlExitFlag[] {
  if (!Number.isInteger(status) || status < 0) return [];
  return BITS.filter((_, bit) => (status & (1 << bit)) !== 0);
}
