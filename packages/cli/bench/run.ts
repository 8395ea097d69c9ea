// Benchmark of the `ait` command's workloads: training-step and inference speed of the CPU-size
// AiT and ViT presets on the backend given as the first argument (default auto). Prints a table
// and writes JSON into bench-results/.
import { runCli } from '../src/index';

const backend = process.argv[2] ?? 'auto';
process.exitCode = await runCli(['bench', '--backend', backend, '--out', 'bench-results']);
