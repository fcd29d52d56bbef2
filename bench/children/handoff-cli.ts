import { runCli } from '../../server/src/cli.ts';

/** The `handoff` command as one file, for the pre-bundled start-up measurement. */
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
