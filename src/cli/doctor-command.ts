import type { Command } from 'commander';
import { Option } from 'commander';
import { formatDoctorReport, runDoctor } from '../runtime/doctor/run-doctor.js';
import { configFrom, withDataOptions, withServerOptions } from './common-options.js';

export function registerDoctorCommand(program: Command): void {
  withServerOptions(withDataOptions(program.command('doctor')))
    .description(
      'check what Kiln needs here (tools, libraries, database, storage, disk, public URL); exit 1 if something is missing',
    )
    .addOption(new Option('--json', 'print the results as one JSON array'))
    .action(async (flags) => {
      const config = configFrom(flags);
      const results = await runDoctor(config);
      if (flags.json) console.log(JSON.stringify(results));
      else process.stdout.write(formatDoctorReport(results));
      process.exitCode = results.some((r) => r.verdict === 'fail') ? 1 : 0;
    });
}
