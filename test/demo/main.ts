import { startDemo } from './demo.ts';

const port = process.env.PORT ? Number(process.env.PORT) : undefined;
const demo = await startDemo(port === undefined ? {} : { port });

console.log(`Sandbox: ${demo.sandbox.url}`);
console.log(`Backend: ${demo.backendUrl}/`);
console.log(`Demo: ${demo.url}`);
console.log('Press Ctrl+C to stop.');

const stop = () => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
