/**
 * Shared bits of the XNU-test ports: each file under test/conformance/xnu-tests/ restates,
 * against MachApi only, what one of XNU's own user-space tests (xnu-11417, the macOS 15
 * tree the emulator follows) asserts. Titles cite the test as
 * `xnu:tests/<file>:<T_DECL name>`; assertions Apple's test makes that MachApi cannot
 * express are registered as skipped tests whose names give the reason ({@link notPortable}),
 * so the gap stays visible in every run.
 * @module
 */
import { it } from 'vitest';

/** `xnu:tests/<file>:<decl>`, the citation of one T_DECL of an XNU test file. */
export function xnuTest(file: string, decl: string): string {
  return `xnu:tests/${file}:${decl}`;
}

/**
 * Register, inside suite(), a skipped test for an assertion of an XNU test that MachApi
 * cannot express (threads, kqueue, vouchers, exception ports, mach_msg2 vectors …).
 * Named `what (xnu:tests/file:decl) [not portable: why]`, once per backend like the rest.
 */
export function notPortable(what: string, file: string, decl: string, why: string): void {
  it.skip(`${what} (${xnuTest(file, decl)}) [not portable to MachApi: ${why}]`, () => {});
}
