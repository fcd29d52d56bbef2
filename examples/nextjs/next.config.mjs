/** @type {import('next').NextConfig} */
const nextConfig = {
  // This app has its own lock file inside a larger repository: build from here.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};

export default nextConfig;
