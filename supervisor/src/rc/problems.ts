/**
 * Problems found in a service tree. Every reader collects them instead of stopping at the first one, so that
 * `nuwa init --check` and the boot print all of them at once, one line each, naming the file.
 */
export interface Problem {
  /** The file or directory at fault. */
  file: string;
  message: string;
  /** The service the problem disables (it and everything depending on it will not start). */
  service?: string;
  /** A warning does not stop anything from starting. */
  warning?: boolean;
}

export function formatProblem(p: Problem): string {
  return `${p.file}: ${p.message}`;
}

export class Problems {
  readonly list: Problem[] = [];

  error(file: string, message: string, service?: string): void {
    this.list.push({ file, message, service });
  }

  warn(file: string, message: string): void {
    this.list.push({ file, message, warning: true });
  }

  get errors(): Problem[] {
    return this.list.filter((p) => !p.warning);
  }

  get warnings(): Problem[] {
    return this.list.filter((p) => p.warning);
  }
}
