// Starts the real service (uvicorn) on a free port with a fresh SQLite database, for one test file;
// extraEnv sets more of its environment (e.g. TRUSTED_DOCUMENTS and TRUSTED_DOCUMENTS_MODE).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: clients/.build/test/ -> clients/ -> repo. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const PYTHON = process.env["PYTHON"] ?? join(REPO_ROOT, ".venv", "bin", "python");
/** The trusted-documents manifest codegen writes (`npm run codegen`), for TRUSTED_DOCUMENTS. */
export const MANIFEST_PATH = join(REPO_ROOT, "clients", "generated", "gql", "persisted-documents.json");
const STARTUP_DEADLINE_MS = 30_000;

export interface RunningServer {
  url: string;
  graphqlUrl: string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`uvicorn exited with ${child.exitCode}:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`uvicorn did not answer /healthz within ${STARTUP_DEADLINE_MS} ms:\n${log()}`);
}

/** Migrates a new database in a temporary folder, then serves it; `stop` ends both. */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const folder = mkdtempSync(join(tmpdir(), "gpt-supporter-clients-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APP_ENV: "development",
    DATABASE_URL: `sqlite+aiosqlite:///${join(folder, "test.db")}`,
    SECRET_KEY: randomBytes(48).toString("base64url"),
    SECRET_KEY_FILE: join(folder, ".secret_key"),
    LOG_LEVEL: "WARNING",
    ...extraEnv,
  };
  // A shared store left in the environment would mix this run's throttling with others'.
  delete env["REDIS_URL"];

  const migrate = spawnSync(PYTHON, ["main.py", "migrate"], { cwd: REPO_ROOT, env, encoding: "utf8" });
  if (migrate.status !== 0) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`migrate failed (${migrate.status}): ${migrate.stderr}`);
  }

  const port = await freePort();
  const child = spawn(
    PYTHON,
    ["-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", String(port), "--loop", "asyncio"],
    { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((wake) => setTimeout(wake, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await waitUntilHealthy(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, graphqlUrl: `${url}/graphql`, stop };
}
