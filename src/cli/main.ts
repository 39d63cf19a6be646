import { Command, Option } from 'commander';
import { registerAccountCommands } from './accounts-command.js';
import { registerAssetCommands } from './assets-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerUploadCommand } from './upload-command.js';

/** `kiln`: the command line of the server and its operators. */
const program = new Command('kiln')
  .description('Kiln: self-hosted media platform speaking the Cloudflare, Uploadcare and Stream APIs')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode));

registerServeCommand(program);
registerAccountCommands(program);
registerMigrateCommand(program);
registerUploadCommand(program);
registerAssetCommands(program);
registerDoctorCommand(program);

await program.parseAsync(process.argv);
