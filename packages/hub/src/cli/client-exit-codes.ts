/** Exit codes of `infra-hub watch` and `infra-hub request`. */
export const EXIT_OK = 0;
/** The request failed (coded error), or the hub speaks another protocol. */
export const EXIT_FAILED = 1;
/** Usage errors and authentication failures: retrying as is will not help. */
export const EXIT_USAGE = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  isTty: boolean;
}
